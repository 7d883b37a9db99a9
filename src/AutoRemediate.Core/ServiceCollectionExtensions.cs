using AutoRemediate.Actions;
using AutoRemediate.Approvals;
using AutoRemediate.Azure;
using AutoRemediate.Decisions;
using AutoRemediate.Diagnostics;
using AutoRemediate.Evidence;
using AutoRemediate.Http;
using AutoRemediate.Incidents;
using AutoRemediate.Ingest;
using AutoRemediate.Shared;
using AutoRemediate.Workflow;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace AutoRemediate;

/// <summary>The one registration entry point both hosts call.</summary>
public static class ServiceCollectionExtensions
{
    /// <summary>Name of the <see cref="HttpClient"/> behind the ARM pipeline.</summary>
    public const string ArmHttpClientName = "AutoRemediate.Arm";

    /// <summary>Name of the <see cref="HttpClient"/> that fetches Entra ID signing keys.</summary>
    public const string EntraHttpClientName = "AutoRemediate.Entra";

    /// <summary>The storage setting the Functions host uses; incidents live in the same account.</summary>
    public const string StorageConnectionName = "AzureWebJobsStorage";

    /// <summary>Registers options, Azure clients, the incident store, ingestion and the activities.</summary>
    public static IServiceCollection AddAutoRemediate(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<AzureOptions>().Bind(configuration.GetSection(AzureOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<IngestOptions>().Bind(configuration.GetSection(IngestOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ScopeOptions>().Bind(configuration.GetSection(ScopeOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ScopeOptions>, ScopeOptionsValidator>();
        services.AddOptions<PolicyOptions>().Bind(configuration.GetSection(PolicyOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<WebhookAuthOptions>().Bind(configuration.GetSection(WebhookAuthOptions.SectionName)).ValidateOnStart();
        services.AddOptions<WorkflowOptions>().Bind(configuration.GetSection(WorkflowOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<TokenCredential>(sp => CreateCredential(sp.GetRequiredService<IOptions<AzureOptions>>().Value, sp.GetRequiredService<TimeProvider>()));

        // Azure.Core's pipeline is the resilience layer for ARM (retries with Retry-After); the
        // HttpClient only supplies pooled connections and the Sandbox certificate pin.
        services.AddHttpClient(ArmHttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                SslOptions = { RemoteCertificateValidationCallback = LoopbackCertificateTrust.Create(sp.GetRequiredService<IOptions<AzureOptions>>().Value.SandboxCertificateThumbprint) },
            });
        services.AddSingleton(sp => new AppServiceClientOptions
        {
            Transport = new HttpClientTransport(sp.GetRequiredService<IHttpClientFactory>().CreateClient(ArmHttpClientName)),
        });
        services.AddSingleton<IAppServiceClient, AppServiceClient>();

        services.AddSingleton(sp => CreateTableService(configuration, sp.GetRequiredService<TokenCredential>()));
        services.AddSingleton<IIncidentStore, TableIncidentStore>();
        services.AddSingleton<IApprovalStore, TableApprovalStore>();
        services.AddSingleton<IncidentReconciler>();
        services.AddSingleton(sp => CreateBlobService(configuration, sp.GetRequiredService<TokenCredential>()));
        services.AddOptions<EvidenceOptions>().Bind(configuration.GetSection(EvidenceOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<DumpUploader>();

        services.AddSingleton<ScopeGuard>();
        services.AddSingleton<Microsoft.IdentityModel.Tokens.BaseConfigurationManager>(sp =>
        {
            // The tenant's signing keys, fetched from its OpenID metadata and refreshed by the manager.
            var auth = sp.GetRequiredService<IOptions<WebhookAuthOptions>>().Value;
            if (!auth.Enabled)
            {
                return new StaticConfigurationManager<OpenIdConnectConfiguration>(new OpenIdConnectConfiguration());
            }

            return new ConfigurationManager<OpenIdConnectConfiguration>(
                WebhookAuthenticator.MetadataAddress(auth), new OpenIdConnectConfigurationRetriever(),
                new HttpDocumentRetriever(sp.GetRequiredService<IHttpClientFactory>().CreateClient(EntraHttpClientName)));
        });
        services.AddHttpClient(EntraHttpClientName);
        services.AddSingleton<WebhookAuthenticator>();
        services.AddSingleton<WebhookReader>();
        services.AddSingleton<AlertIngestor>();
        services.AddSingleton<AlertsEndpoint>();
        services.AddSingleton<EventIngestor>();
        services.AddSingleton<EventsEndpoint>();
        services.AddSingleton<IncidentsEndpoint>();
        services.AddSingleton<IncidentActivities>();
        services.AddSingleton<IPlatformNotices, TablePlatformNotices>();
        services.AddSingleton<IActionJournal, TableActionJournal>();
        services.AddSingleton<EvidenceBlobs>();
        services.AddSingleton<DiagnosticsActivities>();
        services.AddSingleton<DecisionActivities>();
        services.AddSingleton<ApprovalActivities>();
        services.AddSingleton<ActionActivities>();
        services.AddSingleton<ApprovalDecisions>();
        services.AddSingleton<DecisionEndpoint>();
        return services;
    }

    private static TokenCredential CreateCredential(AzureOptions options, TimeProvider time) => options.Credential switch
    {
        CredentialMode.Sandbox => new SandboxCredential(time),
        CredentialMode.ManagedIdentity => new ManagedIdentityCredential(string.IsNullOrEmpty(options.ManagedIdentityClientId)
            ? ManagedIdentityId.SystemAssigned
            : ManagedIdentityId.FromUserAssignedClientId(options.ManagedIdentityClientId)),
        _ => new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = options.ManagedIdentityClientId }),
    };

    private static BlobServiceClient CreateBlobService(IConfiguration configuration, TokenCredential credential)
    {
        var connectionString = configuration[StorageConnectionName];
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            return new BlobServiceClient(connectionString);
        }

        var section = configuration.GetSection(StorageConnectionName);
        if (Uri.TryCreate(section["blobServiceUri"], UriKind.Absolute, out var blobUri))
        {
            return new BlobServiceClient(blobUri, credential);
        }

        if (section["accountName"] is { Length: > 0 } account)
        {
            return new BlobServiceClient(new Uri($"https://{account}.blob.core.windows.net"), credential);
        }

        throw new InvalidOperationException(
            $"No storage configured: set '{StorageConnectionName}' to a connection string, or '{StorageConnectionName}__blobServiceUri' / '{StorageConnectionName}__accountName'.");
    }

    private static TableServiceClient CreateTableService(IConfiguration configuration, TokenCredential credential)
    {
        var tableOptions = new TableClientOptions();
        // Ingest answers a webhook: fail over to 503 (which Azure Monitor retries) within seconds
        // rather than holding the caller through Azure.Core's default back-off.
        tableOptions.Retry.MaxRetries = 2;
        tableOptions.Retry.Delay = TimeSpan.FromMilliseconds(200);
        tableOptions.Retry.NetworkTimeout = TimeSpan.FromSeconds(10);

        var connectionString = configuration[StorageConnectionName];
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            return new TableServiceClient(connectionString, tableOptions);
        }

        var section = configuration.GetSection(StorageConnectionName);
        if (Uri.TryCreate(section["tableServiceUri"], UriKind.Absolute, out var tableUri))
        {
            return new TableServiceClient(tableUri, credential, tableOptions);
        }

        if (section["accountName"] is { Length: > 0 } account)
        {
            return new TableServiceClient(new Uri($"https://{account}.table.core.windows.net"), credential, tableOptions);
        }

        throw new InvalidOperationException(
            $"No storage configured: set '{StorageConnectionName}' to a connection string (Azurite: UseDevelopmentStorage=true), " +
            $"or '{StorageConnectionName}__tableServiceUri' / '{StorageConnectionName}__accountName' for an identity-based connection.");
    }
}
