/**
 * Process and port helpers shared by the local Kafka cluster, moto and the virtualenv lock: the
 * scripts start servers as detached processes they later find again by pid and port.
 */
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** Whether a process with this pid exists (signal 0 checks without signalling). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Sends `signal` (after SIGCONT: a paused process ignores SIGTERM until it runs again) and waits
 * for the exit; SIGKILL once `timeoutMs` has passed. A process already gone is not an error.
 */
export async function stopProcess(pid: number, signal: NodeJS.Signals, timeoutMs: number): Promise<void> {
  if (!isAlive(pid)) return;
  try {
    process.kill(pid, 'SIGCONT');
    process.kill(pid, signal);
  } catch {
    return; // exited in between
  }
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      await sleep(200);
      return;
    }
    await sleep(50);
  }
}

/** Connects to 127.0.0.1:`port` and closes again; rejects with why it could not. */
export function probePort(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', (error) => {
      socket.destroy();
      reject(new Error(`port ${port}: ${error.message}`));
    });
  });
}

/** Whether something accepts connections on 127.0.0.1:`port`. */
export async function portAnswers(port: number): Promise<boolean> {
  try {
    await probePort(port);
    return true;
  } catch {
    return false;
  }
}
