using System.Net;
using System.Net.Sockets;
using AutoRemediate.Alerts;
using AutoRemediate.Events;
using AutoRemediate.Incidents;
using AutoRemediate.Sandbox;
using AutoRemediate.Workflow;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Client.Grpc;
using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Worker.Grpc;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.Options;

namespace AutoRemediate.DevHost;

/// <summary>
/// Runs the pipeline locally: Azurite (started when needed), the Sandbox, and the same HTTP routes,
/// orchestration and activities as the Function App, on the Durable Task SDK.
/// </summary>
public sealed class DevHostRunner : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly WebApplication? _sandbox;
    private readonly AzuriteLauncher? _azurite;

    private DevHostRunner(WebApplication app, WebApplication? sandbox, AzuriteLauncher? azurite, Uri baseAddress, Uri? sandboxAddress, string storageConnectionString, DevHostOptions options)
    {
        Options = options;
        _app = app;
        _sandbox = sandbox;
        _azurite = azurite;
        BaseAddress = baseAddress;
        SandboxAddress = sandboxAddress;
        StorageConnectionString = storageConnectionString;
    }

    /// <summary>The DevHost settings in force.</summary>
    public DevHostOptions Options { get; }

    /// <summary>Where the pipeline listens (e.g. http://127.0.0.1:7071).</summary>
    public Uri BaseAddress { get; }

    /// <summary>Where the Sandbox listens, when the DevHost started it.</summary>
    public Uri? SandboxAddress { get; }

    /// <summary>The storage the pipeline uses.</summary>
    public string StorageConnectionString { get; }

    /// <summary>The Azurite this DevHost uses (null when storage was configured explicitly).</summary>
    public AzuriteLauncher? Azurite => _azurite;

    /// <summary>The pipeline's services (for tests).</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>The Sandbox's services (for tests), when the DevHost started it.</summary>
    public IServiceProvider? SandboxServices => _sandbox?.Services;

    /// <summary>Starts everything; on failure stops whatever had started.</summary>
    public static async Task<DevHostRunner> StartAsync(string[] args, Action<WebApplicationBuilder>? configure = null, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
            ApplicationName = typeof(DevHostRunner).Assembly.GetName().Name,
        });
        configure?.Invoke(builder);
        var options = builder.Configuration.GetSection(DevHostOptions.SectionName).Get<DevHostOptions>() ?? new DevHostOptions();
        Validate(options);

        AzuriteLauncher? azurite = null;
        WebApplication? sandbox = null;
        WebApplication? app = null;
        try
        {
            var storage = builder.Configuration[ServiceCollectionExtensions.StorageConnectionName];
            if (string.IsNullOrWhiteSpace(storage))
            {
                if (!options.StartAzurite)
                {
                    throw new InvalidOperationException("No storage: set AzureWebJobsStorage, or leave DevHost:StartAzurite on.");
                }

                azurite = await AzuriteLauncher.StartAsync(
                    new AzuriteSettings(options.AzuriteBlobPort, options.AzuriteQueuePort, options.AzuriteTablePort, options.AzuriteLocation),
                    cancellationToken).ConfigureAwait(false);
                storage = azurite.ConnectionString;
            }

            var settings = new Dictionary<string, string?> { [ServiceCollectionExtensions.StorageConnectionName] = storage };
            Uri? sandboxAddress = null;
            if (options.StartSandbox)
            {
                sandbox = SandboxApp.Create(new SandboxHostOptions { Urls = options.SandboxUrl, AppsPath = options.SandboxAppsPath });
                await sandbox.StartAsync(cancellationToken).ConfigureAwait(false);
                sandboxAddress = FirstAddress(sandbox);
                settings["Azure:ResourceManagerEndpoint"] = sandboxAddress.ToString();
                settings["Azure:ScmEndpointTemplate"] = sandboxAddress.ToString().TrimEnd('/') + "/scm/{site}";
                settings["Azure:Credential"] = "Sandbox";
                settings["Azure:SandboxCertificateThumbprint"] = sandbox.Services.GetRequiredService<SandboxCertificateInfo>().Sha256Thumbprint;
            }

            builder.Configuration.AddInMemoryCollection(settings);
            builder.WebHost.UseUrls(options.Urls);
            ConfigureServices(builder, options, storage);

            app = builder.Build();
            MapRoutes(app, options);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            return new DevHostRunner(app, sandbox, azurite, FirstAddress(app), sandboxAddress, storage, options);
        }
        catch
        {
            if (app is not null)
            {
                await app.DisposeAsync().ConfigureAwait(false);
            }

            if (sandbox is not null)
            {
                await sandbox.DisposeAsync().ConfigureAwait(false);
            }

            if (azurite is not null)
            {
                await azurite.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <summary>Blocks until the host is asked to stop (Ctrl+C, SIGTERM).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    /// <summary>Stops the pipeline, then the Sandbox, then Azurite if we started it.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        if (_sandbox is not null)
        {
            await _sandbox.StopAsync().ConfigureAwait(false);
            await _sandbox.DisposeAsync().ConfigureAwait(false);
        }

        if (_azurite is not null)
        {
            await _azurite.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static void ConfigureServices(WebApplicationBuilder builder, DevHostOptions options, string storage)
    {
        builder.Services.AddProblemDetails();
        builder.Services.AddAutoRemediate(builder.Configuration);
        // The Durable Task SDK worker and client against an in-process gRPC sidecar: the same
        // orchestration and activities the Function App registers, under the same names.
        var port = options.DurableTaskPort == 0 ? FreeLoopbackPort() : options.DurableTaskPort;
        if (options.DurableBackend == "InMemory")
        {
            builder.Services.AddInMemoryDurableTask(registry => registry.AddRemediationWorkflow(), new InMemoryDurableTaskOptions { Port = port });
        }
        else
        {
            // Registered before the worker so the sidecar listens when the worker connects.
            builder.Services.AddSingleton(sp => new DurableSidecar(storage, options.TaskHub, port, sp.GetRequiredService<ILoggerFactory>()));
            builder.Services.AddHostedService(sp => sp.GetRequiredService<DurableSidecar>());
            var address = $"http://127.0.0.1:{port}";
            builder.Services.AddDurableTaskWorker(b =>
            {
                b.UseGrpc(address);
                b.AddTasks(registry => registry.AddRemediationWorkflow());
            });
            builder.Services.AddDurableTaskClient(b =>
            {
                b.UseGrpc(address);
                b.RegisterDirectly();
            });
        }

        // The banner in Program.cs says where things listen; the hosts' own lifetime lines (one of
        // them from the in-process Durable sidecar) would only repeat it less clearly.
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.DurableTask", LogLevel.Warning);
        // The Azure Storage backend traces every queue message at Information; its warnings are news.
        builder.Logging.AddFilter("DurableTask", LogLevel.Warning);
        // The in-process sidecar logs every refused duplicate start (our one-remediation-per-app rule
        // working as intended) as a warning and an error; only its critical failures are news.
        builder.Logging.AddFilter("Microsoft.DurableTask.Sidecar", LogLevel.Critical);
        builder.Logging.AddFilter("Grpc", LogLevel.Warning);
        builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
        builder.Logging.AddFilter("Azure.Core", LogLevel.Warning);
    }

    // The same routes, methods, prefix and auth levels as the Function App under `func start`.
    private static void MapRoutes(WebApplication app, DevHostOptions options)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        var functionLevel = app.MapGroup("/api").AddEndpointFilter(new FunctionKeyFilter(options.FunctionKey));
        functionLevel.MapPost("/alerts", (HttpRequest request, AlertsEndpoint endpoint, DurableTaskClient client, CancellationToken cancellationToken) =>
            endpoint.HandleAsync(request, client, cancellationToken));
        functionLevel.MapPost("/events", (HttpRequest request, EventsEndpoint endpoint, DurableTaskClient client, CancellationToken cancellationToken) =>
            endpoint.HandleAsync(request, client, cancellationToken));
        functionLevel.MapMethods("/events", [HttpMethods.Options], (HttpRequest request) => EventsEndpoint.Options(request));
        functionLevel.MapGet("/incidents/{id}", (string id, IncidentsEndpoint endpoint, DurableTaskClient client, CancellationToken cancellationToken) =>
            endpoint.GetAsync(id, client, cancellationToken));
        functionLevel.MapPost("/incidents/{id}/decision", (HttpRequest request, string id, AutoRemediate.Approvals.DecisionEndpoint endpoint, DurableTaskClient client, CancellationToken cancellationToken) =>
            endpoint.HandleAsync(request, id, client, cancellationToken));
    }

    private static void Validate(DevHostOptions options)
    {
        var results = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        if (!System.ComponentModel.DataAnnotations.Validator.TryValidateObject(options, new(options), results, validateAllProperties: true))
        {
            throw new OptionsValidationException(DevHostOptions.SectionName, typeof(DevHostOptions), results.Select(r => r.ErrorMessage ?? "invalid"));
        }
    }

    private static Uri FirstAddress(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        return new Uri(addresses.First());
    }

    /// <summary>A TCP port on 127.0.0.1 that nothing listens on right now.</summary>
    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
