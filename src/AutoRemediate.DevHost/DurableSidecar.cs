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
internal sealed class DurableSidecar : IHostedService, IAsyncDisposable
{
    private readonly string _storageConnectionString;
    private readonly string _taskHub;
    private readonly int _port;
    private readonly ILoggerFactory _loggerFactory;
    private WebApplication? _sidecar;

    public DurableSidecar(string storageConnectionString, string taskHub, int port, ILoggerFactory loggerFactory)
    {
        _storageConnectionString = storageConnectionString;
        _taskHub = taskHub;
        _port = port;
        _loggerFactory = loggerFactory;
    }

    public string Address => $"http://127.0.0.1:{_port}";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var service = new AzureStorageOrchestrationService(new AzureStorageOrchestrationServiceSettings
        {
            TaskHubName = _taskHub,
            StorageAccountClientProvider = new StorageAccountClientProvider(_storageConnectionString),
            // Locally, react within a second instead of Azure's default 30 s idle polling.
            MaxQueuePollingInterval = TimeSpan.FromSeconds(1),
            PartitionCount = 1,
            LoggerFactory = _loggerFactory,
        });
        await service.CreateIfNotExistsAsync().ConfigureAwait(false);
        var safe = new StopSafeOrchestrationService(service);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(_loggerFactory);
        builder.WebHost.ConfigureKestrel(k => k.ListenLocalhost(_port, o => o.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton<IOrchestrationService>(safe);
        builder.Services.AddSingleton<IOrchestrationServiceClient>(safe);
        builder.Services.AddSingleton<TaskHubGrpcServer>();
        _sidecar = builder.Build();
        _sidecar.MapGrpcService<TaskHubGrpcServer>();
        await _sidecar.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_sidecar is not null)
        {
            await _sidecar.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_sidecar is not null)
        {
            await _sidecar.DisposeAsync().ConfigureAwait(false);
        }
    }
}
