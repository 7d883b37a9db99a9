// Runs Azurite as a child process and stops it when the parent (the DevHost or a test run) goes
// away for any reason, including a hard kill: the parent holds this process's stdin open, and the
// pipe closes when the parent exits. This is what keeps Ctrl+C and crashes from orphaning Azurite.
// The parent starts this process in a session of its own (setsid, where there is one), so a
// terminal's Ctrl+C reaches neither it nor Azurite: the parent stops them, after its own work.
'use strict';
const { spawn } = require('child_process');

const [azuriteMain, ...args] = process.argv.slice(2);
// Azurite's output goes through this process instead of straight to the parent's pipe. When the
// parent is killed that pipe breaks, and Azurite's first line while shutting down ("... is closing")
// would fail with EPIPE and end it before it saved its data: the last seconds of queue messages and
// table rows were lost. Here a broken pipe only stops the forwarding.
const child = spawn(process.execPath, [azuriteMain, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
let outputBroken = false;
let stopping = false;
// On SIGTERM Azurite closes its three services, each saving its data first, and says so. It can
// then stay up to its 5 s keep-alive timeout longer for client connections it has half-closed,
// which the parent, still running while it waits for us, keeps open. Once all three have closed
// nothing is left to save: it is ended at once (a Ctrl+C stop fits in seconds).
const closedLine = /Azurite (Blob|Queue|Table) service successfully closed|Shutdown close failed/g;
let closed = 0;
for (const [from, to] of [[child.stdout, process.stdout], [child.stderr, process.stderr]]) {
  let pending = '';
  to.on('error', () => { outputBroken = true; });
  from.on('data', (chunk) => {
    if (!outputBroken) to.write(chunk);
    if (!stopping) return;
    const lines = (pending + chunk).split('\n');
    pending = lines.pop();
    closed += lines.reduce((n, line) => n + (line.match(closedLine) || []).length, 0);
    if (closed >= 3) setTimeout(() => child.kill('SIGKILL'), 200).unref();
  });
}

function stop() {
  if (stopping) return;
  stopping = true;
  child.kill('SIGTERM');
  // A last resort for an Azurite that never says it closed: within the DevHost's stop budget
  // (AzuriteLauncher.StopTimeout), and well past the milliseconds its saving takes.
  setTimeout(() => { child.kill('SIGKILL'); process.exit(0); }, 2500).unref();
}

process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.on('error', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
