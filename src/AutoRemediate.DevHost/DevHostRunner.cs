using AutoRemediate.Approvals;
using AutoRemediate.Incidents;
using AutoRemediate.Ingest;
using AutoRemediate.Pages;
using AutoRemediate.Sandbox;
using AutoRemediate.Telemetry;
using AutoRemediate.Workflow;
using Azure.Core;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenTelemetry.Logs;

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
    private readonly MailDevLauncher? _mailDev;
    private readonly ILogger<DevHostRunner> _logger;

    private DevHostRunner(WebApplication app, WebApplication? sandbox, AzuriteLauncher? azurite, MailDevLauncher? mailDev, Uri baseAddress, Uri? sandboxAddress, string storageConnectionString, DevHostOptions options)
    {
        _mailDev = mailDev;
        Options = options;
        _app = app;
        _sandbox = sandbox;
        _azurite = azurite;
        _logger = app.Services.GetRequiredService<ILogger<DevHostRunner>>();
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

    /// <summary>The MailDev this DevHost started (null when <c>Mail:Host</c> is configured or MailDev is off).</summary>
    public MailDevLauncher? MailDev => _mailDev;

    /// <summary>The pipeline's services (for tests).</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>The Sandbox's services (for tests), when the DevHost started it.</summary>
    public IServiceProvider? SandboxServices => _sandbox?.Services;

    /// <summary>Starts everything; on failure stops whatever had started.</summary>
    /// <remarks>
    /// <paramref name="args"/> are configuration overrides (<c>--Section:Key=value</c>), as the command line
    /// gives them. Bad DevHost settings throw <see cref="OptionsValidationException"/> before anything starts.
    /// </remarks>
    public static async Task<DevHostRunner> StartAsync(string[] args, Action<WebApplicationBuilder>? configure = null, CancellationToken cancellationToken = default)
    {
        var builder = CreateBuilder(args);
        configure?.Invoke(builder);
        AddDevHostOptions(builder.Services);
        var options = ValidatedOptions(builder.Configuration);

        AzuriteLauncher? azurite = null;
        MailDevLauncher? mailDev = null;
        WebApplication? sandbox = null;
        WebApplication? app = null;
        try
        {
            var storage = builder.Configuration[ConfigKeys.StorageConnection];
            if (string.IsNullOrWhiteSpace(storage))
            {
                if (!options.StartAzurite)
                {
                    throw new InvalidOperationException($"No storage: set {ConfigKeys.StorageConnection}, or leave {ConfigKeys.DevHostStartAzurite} on.");
                }

                azurite = await AzuriteLauncher.StartAsync(
                    new AzuriteSettings(options.AzuriteBlobPort, options.AzuriteQueuePort, options.AzuriteTablePort, options.AzuriteLocation),
                    cancellationToken).ConfigureAwait(false);
                storage = azurite.ConnectionString;
            }

            var settings = new Dictionary<string, string?> { [ConfigKeys.StorageConnection] = storage };
            // Without Entra ID (DecisionAuth), API decisions on the DevHost are recorded as an unverified local operator.
            if (string.IsNullOrWhiteSpace(builder.Configuration[ConfigKeys.DecisionAuthUnverifiedOperator]))
            {
                settings[ConfigKeys.DecisionAuthUnverifiedOperator] = ConfigKeys.LocalOperator;
            }

            Uri? sandboxAddress = null;
            if (options.StartSandbox)
            {
                sandbox = SandboxApp.Create(new SandboxHostOptions { Urls = options.SandboxUrl, AppsPath = options.SandboxAppsPath });
                await sandbox.StartAsync(cancellationToken).ConfigureAwait(false);
                sandboxAddress = FirstAddress(sandbox);
                settings[ConfigKeys.AzureResourceManagerEndpoint] = sandboxAddress.ToString();
                settings[ConfigKeys.AzureCredential] = ConfigKeys.AzureCredentialSandbox;
                settings[ConfigKeys.AzureSandboxCertificateThumbprint] = sandbox.Services.GetRequiredService<SandboxCertificateInfo>().Sha256Thumbprint;
            }

            var urls = options.Urls;
            // MailDev stands in for SMTP only: with Mail:Provider AcsEmail the mail goes to the configured ACS endpoint (the Sandbox locally).
            if (options.StartMailDev && string.IsNullOrWhiteSpace(builder.Configuration[ConfigKeys.MailHost])
                && !string.Equals(builder.Configuration[ConfigKeys.MailProvider], nameof(AutoRemediate.Notify.MailProvider.AcsEmail), StringComparison.OrdinalIgnoreCase))
            {
                var mailPorts = LoopbackPortPicker.Pick(2);
                mailDev = await MailDevLauncher.StartAsync(
                    new MailDevSettings(options.MailDevSmtpPort == 0 ? mailPorts[0] : options.MailDevSmtpPort, options.MailDevWebPort == 0 ? mailPorts[1] : options.MailDevWebPort),
                    cancellationToken).ConfigureAwait(false);
                foreach (var (key, value) in mailDev.MailSettings)
                {
                    settings[key] = value;
                }

                if (string.IsNullOrWhiteSpace(builder.Configuration[ConfigKeys.MailFrom]))
                {
                    settings[ConfigKeys.MailFrom] = "AutoRemediate DevHost <autoremediate@localhost>";
                }
            }

            // Approval links point at this host unless Mail:PublicBaseUrl says otherwise. Its address must
            // be known before it starts (the mail options are validated at start): a port 0 is chosen here.
            if ((mailDev is not null || !string.IsNullOrWhiteSpace(builder.Configuration[ConfigKeys.MailHost])) &&
                string.IsNullOrWhiteSpace(builder.Configuration[ConfigKeys.MailPublicBaseUrl]))
            {
                var first = new Uri(urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[0]);
                if (first.Port == 0)
                {
                    first = new UriBuilder(first) { Port = FreeLoopbackPort() }.Uri;
                    urls = string.Join(';', new[] { first.GetLeftPart(UriPartial.Authority) }.Concat(urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Skip(1)));
                }

                settings[ConfigKeys.MailPublicBaseUrl] = first.GetLeftPart(UriPartial.Authority) + "/";
            }

            builder.Configuration.AddInMemoryCollection(settings);
            builder.WebHost.UseUrls(urls);
            ConfigureServices(builder, options, storage);

            app = builder.Build();
            MapRoutes(app, options);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            return new DevHostRunner(app, sandbox, azurite, mailDev, FirstAddress(app), sandboxAddress, storage, options);
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

            if (mailDev is not null)
            {
                await mailDev.DisposeAsync().ConfigureAwait(false);
            }

            if (azurite is not null)
            {
                await azurite.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <summary>
    /// Returns once the host is asked to stop (Ctrl+C, SIGTERM). It does not stop anything itself:
    /// <see cref="DisposeAsync"/> does, once, within <see cref="StopBudget"/>.
    /// </summary>
    public async Task WaitForShutdownAsync(CancellationToken cancellationToken = default)
    {
        var stopping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = _app.Lifetime.ApplicationStopping.Register(() => stopping.TrySetResult());
        await stopping.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stops the pipeline, then the Sandbox, then Azurite if we started it — each step bounded, so that
    /// the whole stop ends within <see cref="StopBudget"/> even when storage is dead or a step hangs.
    /// </summary>
    /// <remarks>
    /// A step that overruns is left behind, not awaited: what it still holds (a retry loop against a dead
    /// Azurite) ends with the process. Before, the host was stopped twice (by the host's own
    /// WaitForShutdownAsync and again here) and the second stop waited, without a bound, on the first
    /// one's stop of the Durable backend: with Azurite gone that never ended.
    /// </remarks>
    public async ValueTask DisposeAsync()
    {
        await BoundedAsync("the pipeline", PipelineStopTimeout + StepTimeout, async () =>
        {
            using var timeout = new CancellationTokenSource(PipelineStopTimeout);
            await _app.StopAsync(timeout.Token).ConfigureAwait(false);
        }).ConfigureAwait(false);
        await BoundedAsync("the pipeline's services", StepTimeout, () => _app.DisposeAsync().AsTask()).ConfigureAwait(false);
        if (_sandbox is { } sandbox)
        {
            await BoundedAsync("the Sandbox", StepTimeout, async () =>
            {
                using var timeout = new CancellationTokenSource(StepTimeout);
                await sandbox.StopAsync(timeout.Token).ConfigureAwait(false);
                await sandbox.DisposeAsync().ConfigureAwait(false);
            }).ConfigureAwait(false);
        }

        if (_mailDev is not null)
        {
            // Bounded by the launcher itself (graceful stop, then kill).
            await _mailDev.DisposeAsync().ConfigureAwait(false);
        }

        if (_azurite is not null)
        {
            // Bounded by the launcher itself (graceful stop, then kill); never left behind.
            await _azurite.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The most a stop takes from Ctrl+C to exit: each step's bound plus Azurite's (8 s). Ctrl+C is meant
    /// to end the DevHost within 10 s on a busy machine too; it usually takes one or two.
    /// </summary>
    internal static TimeSpan StopBudget => PipelineStopTimeout + StepTimeout * 3 + MailDevLauncher.StopTimeout + AzuriteLauncher.StopTimeout;

    /// <summary>
    /// How long the pipeline's host gets to stop (HostOptions.ShutdownTimeout): the Durable backend's
    /// drain and lease hand-back, the worker, Kestrel. With Azurite up this takes about a second.
    /// </summary>
    internal static TimeSpan PipelineStopTimeout { get; } = TimeSpan.FromSeconds(3.5);

    // Each of the smaller steps (disposing the pipeline's services, stopping the Sandbox) and the grace
    // after the pipeline's own bound for services that ignore its token.
    private static TimeSpan StepTimeout { get; } = TimeSpan.FromSeconds(0.5);

    private async Task BoundedAsync(string step, TimeSpan timeout, Func<Task> stop)
    {
        try
        {
            await stop().WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Log.StopStepSlow(_logger, step, timeout);
        }
        catch (Exception ex)
        {
            // Whatever one step throws (the host throws for services that overran its ShutdownTimeout),
            // the steps after it still run: above all, Azurite must not outlive the DevHost.
            Log.StopStepFailed(_logger, step, ex);
        }
    }

    private static void ConfigureServices(WebApplicationBuilder builder, DevHostOptions options, string storage)
    {
        builder.Services.AddProblemDetails();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = PipelineStopTimeout);
        builder.Services.AddAutoRemediate(builder.Configuration);
        AddTelemetry(builder);
        // The incident pages open to this machine only (the Function App refuses everyone until sign-in is configured).
        builder.Services.Replace(ServiceDescriptor.Singleton<IPageAccess, LoopbackPageAccess>());
        // The Durable Task SDK worker and client against an in-process gRPC sidecar: the same
        // orchestration and activities the Function App registers, under the same names.
        var port = options.DurableTaskPort == 0 ? FreeLoopbackPort() : options.DurableTaskPort;
        if (options.DurableBackend == DurableBackends.InMemory)
        {
            builder.Services.AddInMemoryDurableTask(registry => registry.AddRemediationWorkflow(), new InMemoryDurableTaskOptions { Port = port });
        }
        else
        {
            var tuning = string.IsNullOrEmpty(options.DurableHostJson)
                ? DurableTuning.Local
                : DurableTuning.FromHostJson(File.ReadAllText(options.DurableHostJson), options.DurableHostJson);
            builder.Services.AddSingleton(tuning);
            builder.Services.AddDurableSidecar(storage, options.TaskHub, port, tuning, registry => registry.AddRemediationWorkflow());
        }

        // Retention on an interval, as the Function App's timer does on its schedule.
        builder.Services.AddSingleton<RetentionService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RetentionService>());

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
        functionLevel.MapGet("/incidents", (HttpRequest request, IncidentsEndpoint endpoint, CancellationToken cancellationToken) =>
            endpoint.ListAsync(request.Query, cancellationToken));
        functionLevel.MapGet("/incidents/{id}", (string id, IncidentsEndpoint endpoint, DurableTaskClient client, CancellationToken cancellationToken) =>
            endpoint.GetAsync(id, client, cancellationToken));
        functionLevel.MapGet("/incidents/{id}/export", (string id, IncidentsEndpoint endpoint, CancellationToken cancellationToken) =>
            endpoint.ExportAsync(id, cancellationToken));
        functionLevel.MapPost("/incidents/{id}/decision", (HttpRequest request, string id, DecisionEndpoint endpoint, DurableTaskClient client, CancellationToken cancellationToken) =>
            endpoint.HandleAsync(request, id, client, cancellationToken));
        functionLevel.MapPost("/incidents/{id}/cancel", (HttpRequest request, string id, CancelEndpoint endpoint, DurableTaskClient client, CancellationToken cancellationToken) =>
            endpoint.HandleAsync(request, id, client, cancellationToken));

        // Anonymous like the Function App's approvalLink function: the link is the credential, so no
        // FunctionKeyFilter here (a key in a mailed link would be a key in every mailbox).
        var anonymous = app.MapGroup("/api");
        // Liveness of storage and the Durable backend for probes and operators (README "Telemetry"); no secrets in it.
        anonymous.MapGet("/health", (HealthEndpoint endpoint, DurableTaskClient client, CancellationToken cancellationToken) =>
            endpoint.GetAsync(client, cancellationToken));
        anonymous.MapGet("/" + ApprovalLinkRoutes.Template, (string token, ApprovalLinkPages pages, CancellationToken cancellationToken) =>
            pages.GetAsync(token, cancellationToken));
        anonymous.MapPost("/" + ApprovalLinkRoutes.Template, (HttpRequest request, string token, ApprovalLinkPages pages, DurableTaskClient client, CancellationToken cancellationToken) =>
            pages.PostAsync(request, token, client, cancellationToken));

        // The incident pages: anonymous at the route like the Function App's, guarded by IPageAccess (loopback only here).
        anonymous.MapGet("/ui/incidents", (HttpRequest request, IncidentPages pages, CancellationToken cancellationToken) =>
            pages.ListAsync(request, cancellationToken));
        anonymous.MapGet("/ui/incidents/{id}", (HttpRequest request, string id, IncidentPages pages, CancellationToken cancellationToken) =>
            pages.DetailAsync(request, id, cancellationToken));
        anonymous.MapGet("/ui/incidents/{id}/export", (HttpRequest request, string id, IncidentPages pages, CancellationToken cancellationToken) =>
            pages.ExportAsync(request, id, cancellationToken));
    }

    /// <summary>
    /// OpenTelemetry with the Azure Monitor exporter when <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set (as on
    /// the Function App; README "Telemetry"), authenticated with the pipeline's credential; scopes (IncidentId, App)
    /// included so they land as custom dimensions. Without the setting nothing is exported.
    /// </summary>
    private static void AddTelemetry(WebApplicationBuilder builder)
    {
        if (string.IsNullOrWhiteSpace(builder.Configuration[ConfigKeys.ApplicationInsightsConnectionString]))
        {
            return;
        }

        builder.Services.AddOpenTelemetry().UseAzureMonitorExporter();
        builder.Services.AddOptions<AzureMonitorExporterOptions>().Configure<TokenCredential>((o, credential) => o.Credential = credential);
        builder.Services.Configure<OpenTelemetryLoggerOptions>(o => o.IncludeScopes = true);
    }

    /// <summary>The pipeline's host builder: <paramref name="args"/> (configuration overrides) on top of the environment.</summary>
    internal static WebApplicationBuilder CreateBuilder(string[] args) => WebApplication.CreateBuilder(new WebApplicationOptions
    {
        Args = args,
        ContentRootPath = AppContext.BaseDirectory,
        ApplicationName = typeof(DevHostRunner).Assembly.GetName().Name,
    });

    // Bound and validated like the Function App's options, and also at the pipeline host's start.
    private static void AddDevHostOptions(IServiceCollection services)
    {
        services.AddOptions<DevHostOptions>().BindConfiguration(DevHostOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DevHostOptions>, DevHostOptionsValidator>());
    }

    /// <summary>
    /// The DevHost options, read through the same registration as the pipeline's host. ValidateOnStart
    /// alone would only check them once that host starts, which is after Azurite and the Sandbox: this
    /// throws <see cref="OptionsValidationException"/> before either is started.
    /// </summary>
    private static DevHostOptions ValidatedOptions(IConfiguration configuration)
    {
        var services = new ServiceCollection().AddSingleton(configuration);
        AddDevHostOptions(services);
        using var provider = services.BuildServiceProvider();
        try
        {
            return provider.GetRequiredService<IOptions<DevHostOptions>>().Value;
        }
        catch (InvalidOperationException ex)
        {
            // The binder's own failure ("Failed to convert configuration value 'x' at 'DevHost:Key' to
            // type 'System.Int32'") names the key too: one kind of error for every bad setting.
            throw new OptionsValidationException(Microsoft.Extensions.Options.Options.DefaultName, typeof(DevHostOptions), [ex.Message]);
        }
    }

    private static Uri FirstAddress(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        return new Uri(addresses.First());
    }

    /// <summary>A TCP port on 127.0.0.1 that nothing listens on right now (see <see cref="LoopbackPortPicker"/>).</summary>
    public static int FreeLoopbackPort() => LoopbackPortPicker.Pick(1)[0];
}
