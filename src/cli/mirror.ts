// `ferry mirror mm2.properties [--clusters …]` / `connect-mirror-maker`: dedicated MirrorMaker mode.
import { parseArgs, readMm2Config, startMirrorMaker, usage } from '../mirror/dedicated.js';
import { reportStartupError } from './connect.js';

export async function mirrorMain(args: string[]): Promise<number> {
  if (args[0] === '--help' || args[0] === '-h') {
    console.log(usage());
    return 0;
  }
  const parsed = parseArgs(args);
  if (!parsed) {
    console.error(usage());
    return 2;
  }
  try {
    const config = readMm2Config(parsed.file, parsed.clusters);
    const mm = await startMirrorMaker(config);
    console.log(`Ferry MirrorMaker running ${mm.flows.length} flow(s): ${mm.flows.map((f) => `${f.flow.source}->${f.flow.target}${f.flow.replicationEnabled ? '' : ' (heartbeats)'}`).join(', ')}`);
    return await new Promise<number>((resolve) => {
      let stopping = false;
      const onSignal = () => {
        if (stopping) return;
        stopping = true;
        mm.stop().then(() => resolve(0), () => resolve(1));
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
    });
  } catch (e) {
    return reportStartupError(e);
  }
}
