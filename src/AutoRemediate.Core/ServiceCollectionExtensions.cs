using AutoRemediate.Actions;
using AutoRemediate.Approvals;
using AutoRemediate.Azure;
using AutoRemediate.Decisions;
using AutoRemediate.Diagnostics;
using AutoRemediate.Evidence;
using AutoRemediate.Http;
using AutoRemediate.Incidents;
using AutoRemediate.Ingest;
using AutoRemediate.Notify;
using AutoRemediate.Pages;
using AutoRemediate.Retention;
using AutoRemediate.Shared;
using AutoRemediate.Telemetry;
using AutoRemediate.Workflow;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AutoRemediate;

/// <summary>The one registration entry point both hosts call.</summary>
public static class ServiceCollectionExtensions
{
    /// <summary>The storage setting the Functions host uses; incidents live in the same account.</summary>
    public const string StorageConnectionName = StorageClients.ConnectionName;

    /// <summary>Registers every area of the pipeline: options (validated at start), Azure clients, storage, webhooks and activities.</summary>
    public static IServiceCollection AddAutoRemediate(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        return services
            .AddShared(configuration)
            .AddAzureClients(configuration)
            .AddStorage(configuration)
            .AddWebhookSecurity(configuration)
            .AddIncidents()
            .AddIngest()
            .AddEvidence(configuration)
            .AddDiagnostics()
            .AddDecisions(configuration)
            .AddApprovals(configuration)
            .AddNotify(configuration)
            .AddPages()
            .AddActions()
            .AddWorkflow(configuration)
            .AddRetention(configuration)
            .AddTelemetry();
    }
}
