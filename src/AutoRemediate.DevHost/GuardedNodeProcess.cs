using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace AutoRemediate.DevHost;

/// <summary>
/// A Node.js program from the repository's <c>node_modules</c> (Azurite, MailDev) run under
/// <c>azurite-guard.js</c>, in a session of its own: it dies with whoever started it, even on a hard kill
/// (the guard ends it when its stdin closes), and a terminal's Ctrl+C never reaches it.
/// </summary>
internal sealed class GuardedNodeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private GuardedNodeProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>
    /// How long a stop waits for the program to exit before it is killed. Azurite and MailDev take well under
    /// a second (the guard ends them once they have closed their services, or after 2.5 s); this leaves room
    /// for a busy machine within the DevHost's stop budget.
    /// </summary>
    public static TimeSpan StopTimeout { get; } = TimeSpan.FromSeconds(3);

    /// <summary>Process id of the guard (on Linux the leader of the program's process group and session).</summary>
    public int Id => _process.Id;

    /// <summary>What the program printed (for diagnostics).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts <paramref name="script"/> (a path under node_modules) with <paramref name="args"/> under the guard.</summary>
    public static GuardedNodeProcess Start(string name, string script, IEnumerable<string> args, string workingDirectory)
    {
        // A terminal's Ctrl+C signals its whole foreground process group, and a child is in its parent's
        // group. Azurite then died at the same moment as the DevHost, whose graceful stop of the Durable
        // backend (drain, hand back the partition lease) waited on a dead endpoint and never ended. In a
        // session of its own (setsid) no terminal signal reaches the guard or the program: only whoever
        // started them stops them, last, by closing the guard's stdin, which also closes when that
        // process dies in any other way (kill -9 included). Without setsid (not Linux) the old way.
        var setsid = FindSetsid();
        var start = new ProcessStartInfo(setsid ?? "node")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        if (setsid is not null)
        {
            // Our child is never a process group leader, so setsid execs node in the same process
            // (no fork): the process id is the guard's, and the guard leads its session's group.
            start.ArgumentList.Add("node");
        }

        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "azurite-guard.js"));
        start.ArgumentList.Add(script);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return new GuardedNodeProcess(Process.Start(start) ?? throw new InvalidOperationException($"Could not start node for {name}."));
    }

    /// <summary>Waits until every port listens; stops the program and throws with its output when it exits first or takes over 60 s.</summary>
    public async Task WaitUntilListeningAsync(string name, IReadOnlyList<int> ports, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var up = await Task.WhenAll(ports.Select(p => IsListeningAsync(p, cancellationToken))).ConfigureAwait(false);
            if (up.All(u => u))
            {
                return;
            }

            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                var why = _process.HasExited ? $"exited with code {_process.ExitCode}" : "did not listen within 60 s";
                await DisposeAsync().ConfigureAwait(false);
                throw new InvalidOperationException($"{name} {why}. Its output:{Environment.NewLine}{Output}");
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>True when something accepts TCP connections on the loopback port.</summary>
    public static async Task<bool> IsListeningAsync(int port, CancellationToken cancellationToken = default)
    {
        using var client = new TcpClient();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMilliseconds(500));
        try
        {
            await client.ConnectAsync(System.Net.IPAddress.Loopback, port, timeout.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Stops the program: closing stdin asks the guard to end it gracefully; whatever remains after <see cref="StopTimeout"/> is killed.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.StandardInput.Close();
                using var wait = new CancellationTokenSource(StopTimeout);
                try
                {
                    await _process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    _process.Kill(entireProcessTree: true);
                    await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            _process.Dispose();
        }
    }

    private static string? FindSetsid() =>
        OperatingSystem.IsWindows()
            ? null
            : (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin")
                .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .Select(dir => Path.Combine(dir, "setsid"))
                .FirstOrDefault(File.Exists);

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
