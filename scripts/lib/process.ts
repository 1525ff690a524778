/** Child processes of the tests and the stack. */
import type { ChildProcess } from 'node:child_process';

/**
 * Sends `signal` to a child and resolves once it has exited; at once when there is no child or it
 * has exited already. A SIGCONT goes first, so a child stopped with SIGSTOP (an outage drill) can
 * act on a SIGTERM.
 */
export async function signalAndWait(c: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!c || c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise<void>((r) => c.once('exit', () => r()));
  c.kill('SIGCONT');
  c.kill(signal);
  await exited;
}
