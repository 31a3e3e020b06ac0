/** The command registry: one module per command, listed here once. */
import type { Command } from './args.ts';
import { inferCommand } from './infer.ts';
import { verifyCommand } from './verify.ts';
import { validateCommand } from './validate.ts';

export const commands: readonly Command[] = [inferCommand, verifyCommand, validateCommand];
