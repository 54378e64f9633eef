/** A field path as the messages name it: hosts[0].zookeeper.dataDir. */
export function fieldName(p: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of p) out += typeof seg === 'number' ? `[${seg}]` : out ? `.${String(seg)}` : String(seg);
  return out || '(top level)';
}
