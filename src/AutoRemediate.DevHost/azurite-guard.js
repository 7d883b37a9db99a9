// Runs Azurite as a child process and stops it when the parent (the DevHost or a test run) goes
// away for any reason, including a hard kill: the parent holds this process's stdin open, and the
// pipe closes when the parent exits. This is what keeps Ctrl+C and crashes from orphaning Azurite.
'use strict';
const { spawn } = require('child_process');

const [azuriteMain, ...args] = process.argv.slice(2);
// Azurite's output goes through this process instead of straight to the parent's pipe. When the
// parent is killed that pipe breaks, and Azurite's first line while shutting down ("... is closing")
// would fail with EPIPE and end it before it saved its data: the last seconds of queue messages and
// table rows were lost. Here a broken pipe only stops the forwarding.
const child = spawn(process.execPath, [azuriteMain, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
let outputBroken = false;
for (const [from, to] of [[child.stdout, process.stdout], [child.stderr, process.stderr]]) {
  to.on('error', () => { outputBroken = true; });
  from.on('data', (chunk) => { if (!outputBroken) to.write(chunk); });
}
let stopping = false;

function stop() {
  if (stopping) return;
  stopping = true;
  child.kill('SIGTERM');
  // Azurite flushes its files on SIGTERM; give it a moment, then make sure it is gone.
  setTimeout(() => { child.kill('SIGKILL'); process.exit(0); }, 5000).unref();
}

process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.on('error', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
