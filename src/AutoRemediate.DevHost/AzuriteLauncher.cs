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

    private readonly GuardedNodeProcess? _process;

    private AzuriteLauncher(AzuriteSettings settings, GuardedNodeProcess? process)
    {
        Settings = settings;
        _process = process;
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
            return new AzuriteLauncher(settings, null);
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

        // --disableTelemetry: Azurite's telemetry client otherwise keeps it running ~10 s after SIGTERM,
        // past the guard's grace, so every stop ended in a SIGKILL.
        var args = new List<string>
        {
            "--silent", "--skipApiVersionCheck", "--disableProductStyleUrl", "--loose", "--disableTelemetry",
            "--blobHost", "127.0.0.1", "--blobPort", settings.BlobPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--queueHost", "127.0.0.1", "--queuePort", settings.QueuePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--tableHost", "127.0.0.1", "--tablePort", settings.TablePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        var workingDirectory = root;
        if (string.IsNullOrEmpty(settings.Location))
        {
            args.Add("--inMemoryPersistence");
            // Azurite may still drop a config file in its working directory; keep it out of the repo.
            workingDirectory = Directory.CreateTempSubdirectory("azurite-").FullName;
        }
        else
        {
            var location = Path.IsPathRooted(settings.Location) ? settings.Location : Path.Combine(root, settings.Location);
            Directory.CreateDirectory(location);
            args.Add("--location");
            args.Add(location);
        }

        var process = GuardedNodeProcess.Start("Azurite", azuriteMain, args, workingDirectory);
        await process.WaitUntilListeningAsync("Azurite", ports, cancellationToken).ConfigureAwait(false);
        return new AzuriteLauncher(settings, process);
    }

    /// <summary>What Azurite printed (for diagnostics).</summary>
    public string Output => _process?.Output ?? string.Empty;

    /// <summary>True when something accepts TCP connections on the loopback port.</summary>
    public static Task<bool> IsListeningAsync(int port, CancellationToken cancellationToken = default) =>
        GuardedNodeProcess.IsListeningAsync(port, cancellationToken);

    /// <summary>How long a stop waits for Azurite to save its data and exit before it is killed.</summary>
    public static TimeSpan StopTimeout => GuardedNodeProcess.StopTimeout;

    /// <summary>Stops Azurite if we started it; waits until it has exited (at most about <see cref="StopTimeout"/>).</summary>
    public ValueTask DisposeAsync() => _process?.DisposeAsync() ?? ValueTask.CompletedTask;
}
