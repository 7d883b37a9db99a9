using DurableTask.AzureStorage;
using DurableTask.Core;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.DurableTask.Testing.Sidecar.Grpc;

namespace AutoRemediate.DevHost;

/// <summary>
/// The DevHost's Durable backend: the Durable Task gRPC sidecar (<see cref="TaskHubGrpcServer"/>)
/// over <see cref="AzureStorageOrchestrationService"/> against the DevHost's storage (Azurite) — the
/// backend Durable Functions uses by default — so an incident survives a DevHost restart and resumes
/// where it was. Listens on loopback HTTP/2 only; the worker and client connect to it.
/// </summary>
internal sealed class DurableSidecar : IHostedLifecycleService, IAsyncDisposable
{
    /// <summary>
    /// How long a dequeued queue message stays hidden from every other reader. A DevHost killed in the
    /// middle of an orchestration step or an activity leaves that message dequeued; after a restart it
    /// comes back only when this runs out. The library default (5 minutes) stalled a resumed incident
    /// for that long, so it is short here, and <see cref="SidecarOrchestrationService"/> renews it for
    /// work that is still running.
    /// </summary>
    internal static readonly TimeSpan MessageVisibility = TimeSpan.FromSeconds(20);

    // Stopping waits this long for the backend to drain and hand back its partition before Azurite goes:
    // well under a second with storage up. With storage gone (killed Azurite) the backend's partition
    // manager retries forever, so this bounds it, within the pipeline's own stop budget
    // (DevHostRunner.PipelineStopTimeout) to leave the worker and Kestrel time to stop after it.
    private static readonly TimeSpan s_backendStopTimeout = TimeSpan.FromSeconds(2.5);

    private readonly string _storageConnectionString;
    private readonly string _taskHub;
    private readonly int _port;
    private readonly DurableTuning _tuning;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger<DurableSidecar> _logger;
    private SidecarOrchestrationService? _service;
    private WebApplication? _sidecar;

    public DurableSidecar(string storageConnectionString, string taskHub, int port, DurableTuning tuning, ILoggerFactory loggerFactory)
    {
        _tuning = tuning;
        _storageConnectionString = storageConnectionString;
        _taskHub = taskHub;
        _port = port;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<DurableSidecar>();
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = new AzureStorageOrchestrationServiceSettings
        {
            TaskHubName = _taskHub,
            StorageAccountClientProvider = new StorageAccountClientProvider(_storageConnectionString),
            // The partition lease lives in a table row owned by this worker id. The id stays the same
            // across restarts (the library default, the machine name), so a restarted DevHost takes its
            // own partition back at once instead of waiting for a dead worker's lease to expire.
            WorkerId = Environment.MachineName,
            UseTablePartitionManagement = true,
            ControlQueueVisibilityTimeout = MessageVisibility,
            WorkItemQueueVisibilityTimeout = MessageVisibility,
            LoggerFactory = _loggerFactory,
        };
        // Polling, partitions, batching and concurrency: the DevHost's local tuning, or the Function App's host.json.
        _tuning.ApplyTo(settings);
        var azureStorage = new AzureStorageOrchestrationService(settings);
        await azureStorage.CreateIfNotExistsAsync().ConfigureAwait(false);
        _service = new SidecarOrchestrationService(azureStorage, MessageVisibility / 4, s_backendStopTimeout, _loggerFactory.CreateLogger<SidecarOrchestrationService>());

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(_loggerFactory);
        // The DevHost's own host answers Ctrl+C and SIGTERM and stops this one in order (StoppingAsync).
        builder.Services.AddSingleton<IHostLifetime, EmbeddedLifetime>();
        builder.WebHost.ConfigureKestrel(k => k.ListenLocalhost(_port, o => o.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton<IOrchestrationService>(_service);
        builder.Services.AddSingleton<IOrchestrationServiceClient>(_service);
        builder.Services.AddSingleton<TaskHubGrpcServer>();
        _sidecar = builder.Build();
        _sidecar.MapGrpcService<TaskHubGrpcServer>();
        await _sidecar.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Runs before any hosted service stops, while the worker is still connected: the sidecar stops
    /// dispatching (work items in flight finish), then the backend drains its control queue and releases
    /// its partition lease — all before the DevHost stops Azurite underneath it.
    /// </summary>
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        if (_sidecar is null || _service is null)
        {
            return;
        }

        // The sidecar's stop handler stops the backend it started; one that never started (no worker
        // connected yet) has nothing to drain.
        _sidecar.Lifetime.StopApplication();
        try
        {
            await _service.StopIfNotStartedAsync(cancellationToken).ConfigureAwait(false);
            // The backend's stop is bounded by s_backendStopTimeout itself (and says so when it overruns);
            // the margin here only matters should the sidecar's stop handler never call it.
            await _service.Stopped.WaitAsync(s_backendStopTimeout + TimeSpan.FromSeconds(0.5), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            // The host's own stop budget ran out first (a busy machine): the same news.
            Log.DurableBackendStopSlow(_logger, s_backendStopTimeout);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_sidecar is not null)
        {
            await _sidecar.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_sidecar is not null)
        {
            await _sidecar.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>A host lifetime that leaves process signals to the host that owns the process.</summary>
    private sealed class EmbeddedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
