/** Java: detect it and its version; install a JDK with apt/dnf/yum when allowed, or refuse naming the fix. */
import { javaProbe, osProbe } from '../../facts/probes.js';
import { change, ok, type Step } from '../../ops/operation.js';
import { installPackage, packageManager } from '../../ops/package.js';
import type { Role } from '../role.js';

export const javaRole: Role = {
  name: 'java',
  appliesTo: (h) => h.roles.size > 0,
  probes: () => [osProbe(), javaProbe()],
  plan(ctx, facts) {
    const java = facts.get(javaProbe());
    const os = facts.get(osProbe());
    const min = ctx.inv.java.minVersion;
    let outcome;
    if (java.feature !== undefined && java.feature >= min) outcome = ok(`Java ${java.version} at ${java.path}`);
    else {
      const found = java.version ? `Java ${java.version} is older than ${min}` : 'no java on the PATH';
      const pm = packageManager(os);
      const feature = Math.max(min, 17);
      const pkg = ctx.inv.java.package ?? (pm === 'apt' ? `openjdk-${feature}-jre-headless` : `java-${feature}-openjdk-headless`);
      if (ctx.inv.java.install === 'never' || !pm) {
        outcome = change(`${found}: cannot continue`, async () => {
          throw new Error(
            `${found}. Install Java ${feature} on ${ctx.host.name} (e.g. apt-get install ${pkg})${pm ? ', or set java.install: auto in the inventory' : ''}`,
          );
        });
      } else {
        outcome = change(`${found}: install ${pkg} with ${pm}`, (c) => installPackage(c, pm, pkg));
      }
    }
    const steps: Step[] = [{ id: 'java.ensure', title: 'Java runtime', outcome }];
    return steps;
  },
};
