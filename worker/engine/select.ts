/**
 * `--engine auto|ort|tfjs`: which engine compiles and runs tasks. `auto` picks ONNX Runtime when
 * onnxruntime-node loads (several times faster on CPUs, issue 11) and tfjs otherwise; the choice is
 * logged. The tfjs backend is started either way (image decoding and heads use it).
 */
import { logger } from '../../shared/log.ts';
import { initBackend } from './backend.ts';
import { ENGINE_CHOICES, type Engine, type EngineChoice } from './engine.ts';
import { tfjsEngine } from './tfjs-engine.ts';
import { ortEngine } from './ort/engine.ts';
import { deviceCores } from './cores.ts';

const log = logger('engine');

export function parseEngine(v: unknown): EngineChoice {
  const s = v === undefined ? 'auto' : String(v);
  if (!(ENGINE_CHOICES as readonly string[]).includes(s)) throw new Error(`engine: --engine "${s}" is not one of ${ENGINE_CHOICES.join(', ')}`);
  return s as EngineChoice;
}

/** ORT's intra-op threads: `--threads`, else the device's cores (cgroup quota included), and why. */
export function engineThreads(threads?: number): { threads: number; why: string } {
  if (threads !== undefined) return { threads, why: '--threads' };
  const d = deviceCores();
  return { threads: d.cores, why: d.quota === undefined ? 'cores' : `cgroup quota ${Math.round(d.quota * 100) / 100} cores` };
}

/** The engine for `choice`, a label for logs and reports ('ort' or 'tfjs-<backend>'), and ORT's intra-op threads. */
export async function selectEngine(choice: EngineChoice = 'auto', opts: { threads?: number } = {}): Promise<{ engine: Engine; label: string; threads?: number }> {
  const backend = await initBackend();
  if (choice !== 'tfjs') {
    try {
      const { threads, why } = engineThreads(opts.threads);
      const engine = await ortEngine({ threads });
      log.info(`engine ort (onnxruntime-node, --engine ${choice}, ${threads} intra-op thread${threads === 1 ? '' : 's'}: ${why})`);
      return { engine, label: 'ort', threads };
    } catch (e) {
      if (choice === 'ort') throw new Error(`engine: --engine ort but onnxruntime-node does not load: ${(e as Error).message}`, { cause: e });
      log.info(`engine tfjs-${backend} (onnxruntime-node unavailable: ${(e as Error).message.split('\n')[0]})`);
      return { engine: tfjsEngine, label: `tfjs-${backend}` };
    }
  }
  log.info(`engine tfjs-${backend} (--engine tfjs)`);
  return { engine: tfjsEngine, label: `tfjs-${backend}` };
}
