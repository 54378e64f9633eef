import { z } from 'zod';

/** The schema inside any optional / default / nullable wrappers. */
export function unwrapSchema(s: z.ZodType): z.ZodType {
  let cur = s;
  while (cur instanceof z.ZodOptional || cur instanceof z.ZodDefault || cur instanceof z.ZodNullable) cur = cur.unwrap() as z.ZodType;
  return cur;
}
