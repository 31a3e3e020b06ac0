/**
 * `npm run lint:size`: lists each file and function over STYLE.md's size limits (scripts/size-limits.ts)
 * as `path:line` and exits 1 when there is one.
 */
import { formatOffender, sizeOffenders } from './size-limits.ts';

const offenders = sizeOffenders();
for (const o of offenders) process.stdout.write(`${formatOffender(o)}\n`);
process.stdout.write(`lint:size: ${offenders.length} offender${offenders.length === 1 ? '' : 's'}\n`);
process.exit(offenders.length > 0 ? 1 : 0);
