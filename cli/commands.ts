/** The command registry: one module per command, listed here once. */
import type { Command } from './args.ts';
import { inferCommand } from './infer.ts';
import { verifyCommand } from './verify.ts';
import { planCommand } from './plan.ts';
import { validateCommand } from './validate.ts';
import { upCommand } from './up.ts';
import { brokerCommand } from './broker-cmd.ts';
import { plannerCommand } from './planner-cmd.ts';
import { workerCommand } from './worker-cmd.ts';
import { publishCommand } from './publish.ts';
import { usersCommand } from './users-cmd.ts';

export const commands: readonly Command[] = [upCommand, brokerCommand, plannerCommand, workerCommand, publishCommand, inferCommand, verifyCommand, validateCommand, planCommand, usersCommand];
