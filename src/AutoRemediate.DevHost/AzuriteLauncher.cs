using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace AutoRemediate.DevHost;

/// <summary>Ports and data folder for one Azurite.</summary>
public sealed record AzuriteSettings(int BlobPort, int QueuePort, int TablePort, string? Location);

/// <summary>
/// Starts Azurite from the repository's <c>node_modules</c> (installed by <c>npm ci</c>) unless
/// something already listens on its ports, and stops what it started. The process runs under
/// <c>azurite-guard.js</c>, so it dies with us even when we are killed.
/// </summary>
public sealed class AzuriteLauncher : IAsyncDisposable
{
    // Azurite's well-known development account. The key is public, published in Azurite's docs, and
    // only opens the local emulator; it is not a secret.
    private const string AccountName = "devstoreaccount1";
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly Process? _process;
    private readonly StringBuilder _output;

    private AzuriteLauncher(AzuriteSettings settings, Process? process, StringBuilder output)
    {
        Settings = settings;
        _process = process;
        _output = output;
    }

    /// <summary>The ports in use.</summary>
    public AzuriteSettings Settings { get; }

    /// <summary>True when this launcher started the process (and will stop it).</summary>
    public bool StartedByUs => _process is not null;

    /// <summary>
    /// Process id of the Azurite guard, when we started it; on Linux it also leads the process group
    /// and session that Azurite runs in.
    /// </summary>
    public int? ProcessId => _process?.Id;

    /// <summary>A connection string for the Azure SDKs and <c>AzureWebJobsStorage</c>.</summary>
    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{Settings.BlobPort}/{AccountName};" +
        $"QueueEndpoint=http://127.0.0.1:{Settings.QueuePort}/{AccountName};" +
        $"TableEndpoint=http://127.0.0.1:{Settings.TablePort}/{AccountName};";

    /// <summary>Uses a running Azurite, or starts one and waits until all three services listen.</summary>
    public static async Task<AzuriteLauncher> StartAsync(AzuriteSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var ports = new[] { settings.BlobPort, settings.QueuePort, settings.TablePort };
        var listening = await Task.WhenAll(ports.Select(p => IsListeningAsync(p, cancellationToken))).ConfigureAwait(false);
        if (listening.All(l => l))
        {
            return new AzuriteLauncher(settings, null, new StringBuilder());
        }

        if (listening.Any(l => l))
        {
            var busy = string.Join(", ", ports.Where((_, i) => listening[i]));
            throw new InvalidOperationException(
                $"Some Azurite ports are taken ({busy}) but not all: another program holds them. Free them or choose other ports (DevHost:AzuriteBlobPort/QueuePort/TablePort).");
        }

        var root = RepositoryPaths.FindRoot()
            ?? throw new InvalidOperationException("Cannot find the repository root (AutoRemediate.sln with package.json) to run Azurite from.");
        var azuriteMain = Path.Combine(root, "node_modules", "azurite", "dist", "src", "azurite.js");
        if (!File.Exists(azuriteMain))
        {
            throw new InvalidOperationException($"Azurite is not installed at {azuriteMain}. Run 'npm ci' in {root} first.");
        }

        var guard = Path.Combine(AppContext.BaseDirectory, "azurite-guard.js");
        // A terminal's Ctrl+C signals its whole foreground process group, and a child is in its parent's
        // group. Azurite then died at the same moment as the DevHost, whose graceful stop of the Durable
        // backend (drain, hand back the partition lease) waited on a dead endpoint and never ended. In a
        // session of its own (setsid) no terminal signal reaches the guard or Azurite: only whoever
        // started them stops them, last, by closing the guard's stdin, which also closes when that
        // process dies in any other way (kill -9 included). Without setsid (not Linux) the old way.
        var setsid = FindSetsid();
        var start = new ProcessStartInfo(setsid ?? "node")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = root,
        };
        if (setsid is not null)
        {
            // Our child is never a process group leader, so setsid execs node in the same process
            // (no fork): the process id below is the guard's, and the guard leads its session's group.
            start.ArgumentList.Add("node");
        }

        // --disableTelemetry: Azurite's telemetry client otherwise keeps it running ~10 s after SIGTERM,
        // past the guard's grace, so every stop ended in a SIGKILL.
        foreach (var arg in new[] { guard, azuriteMain, "--silent", "--skipApiVersionCheck", "--disableProductStyleUrl", "--loose", "--disableTelemetry",
                     "--blobHost", "127.0.0.1", "--blobPort", settings.BlobPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--queueHost", "127.0.0.1", "--queuePort", settings.QueuePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--tableHost", "127.0.0.1", "--tablePort", settings.TablePort.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }

        if (string.IsNullOrEmpty(settings.Location))
        {
            start.ArgumentList.Add("--inMemoryPersistence");
            // Azurite may still drop a config file in its working directory; keep it out of the repo.
            start.WorkingDirectory = Directory.CreateTempSubdirectory("azurite-").FullName;
        }
        else
        {
            var location = Path.IsPathRooted(settings.Location) ? settings.Location : Path.Combine(root, settings.Location);
            Directory.CreateDirectory(location);
            start.ArgumentList.Add("--location");
            start.ArgumentList.Add(location);
        }

        var output = new StringBuilder();
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node for Azurite.");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var launcher = new AzuriteLauncher(settings, process, output);

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var up = await Task.WhenAll(ports.Select(p => IsListeningAsync(p, cancellationToken))).ConfigureAwait(false);
            if (up.All(u => u))
            {
                return launcher;
            }

            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                var why = process.HasExited ? $"exited with code {process.ExitCode}" : "did not listen within 60 s";
                await launcher.DisposeAsync().ConfigureAwait(false);
                throw new InvalidOperationException($"Azurite {why}. Its output:{Environment.NewLine}{launcher.Output}");
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>What Azurite printed (for diagnostics).</summary>
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

    private static string? FindSetsid()
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }

        return (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "setsid"))
            .FirstOrDefault(File.Exists);
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

    /// <summary>
    /// How long a stop waits for Azurite to save its data and exit before it is killed. It takes well
    /// under a second (the guard ends it once it has closed its services, or after 2.5 s); this leaves
    /// room for a busy machine within the DevHost's stop budget.
    /// </summary>
    public static TimeSpan StopTimeout { get; } = TimeSpan.FromSeconds(3);

    /// <summary>Stops Azurite if we started it; waits until it has exited (at most about <see cref="StopTimeout"/>).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_process is null)
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                // Closing stdin asks the guard to stop Azurite gracefully; kill whatever remains.
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
}
