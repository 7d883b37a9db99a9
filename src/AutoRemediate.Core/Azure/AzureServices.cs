using AutoRemediate.Shared;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AutoRemediate.Azure;

/// <summary>Registration of the Azure Resource Manager clients.</summary>
internal static class AzureServices
{
    /// <summary>Name of the <see cref="HttpClient"/> behind the ARM pipeline.</summary>
    public const string ArmHttpClientName = "AutoRemediate.Arm";

    /// <summary>
    /// Registers <see cref="AzureOptions"/>, the one <see cref="TokenCredential"/>, the one ARM pipeline
    /// and a client per service on it (App Service, Monitor metrics, Resource Health, autoscale, Monitor alerts).
    /// </summary>
    public static IServiceCollection AddAzureClients(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<AzureOptions>(configuration, AzureOptions.SectionName);
        services.AddSingleton(sp => CreateCredential(sp.GetRequiredService<IOptions<AzureOptions>>().Value, sp.GetRequiredService<TimeProvider>()));

        // Azure.Core's pipeline is the resilience layer for ARM (retries with Retry-After); the
        // HttpClient only supplies pooled connections and the Sandbox certificate pin.
        services.AddHttpClient(ArmHttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                SslOptions = { RemoteCertificateValidationCallback = LoopbackCertificateTrust.Create(sp.GetRequiredService<IOptions<AzureOptions>>().Value.SandboxCertificateThumbprint) },
            });
        services.AddSingleton(sp => new ArmClientOptions
        {
            Transport = new HttpClientTransport(sp.GetRequiredService<IHttpClientFactory>().CreateClient(ArmHttpClientName)),
        });
        services.AddSingleton<ArmPipeline>();
        services.AddSingleton<IAppServiceClient, AppServiceClient>();
        services.AddSingleton<IMetricsClient, MetricsClient>();
        services.AddSingleton<IResourceHealthClient, ResourceHealthClient>();
        services.AddSingleton<IAutoscaleClient, AutoscaleClient>();
        services.AddSingleton<IAlertsClient, AlertsClient>();
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
}
