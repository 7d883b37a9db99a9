using AutoRemediate.Diagnostics;
using AutoRemediate.Http;
using AutoRemediate.Incidents;
using AutoRemediate.Ingest;
using AutoRemediate.Shared;
using AutoRemediate.Testing;
using AutoRemediate.Workflow;
using Azure.Data.Tables;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AutoRemediate.Core.Tests;

/// <summary>Core's real registrations against the test run's Azurite and (optionally) a Sandbox, with tables unique to the test.</summary>
internal static class TestServices
{
    public static (string Incidents, string Timeline) UniqueTables()
    {
        var suffix = Guid.NewGuid().ToString("N")[..12];
        return ("Incidents" + suffix, "Timeline" + suffix);
    }

    public static void AddCore(IServiceCollection services, SandboxFixture? sandbox, (string Incidents, string Timeline) tables, IReadOnlyDictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = AzuriteFixture.ConnectionString,
            ["Storage:IncidentsTable"] = tables.Incidents,
            ["Storage:TimelineTable"] = tables.Timeline,
            ["Storage:ActionsTable"] = tables.Incidents.Replace("Incidents", "Actions", StringComparison.Ordinal),
            ["Storage:PlatformNoticesTable"] = tables.Incidents.Replace("Incidents", "Notices", StringComparison.Ordinal),
            ["Storage:ApprovalsTable"] = tables.Incidents.Replace("Incidents", "Approvals", StringComparison.Ordinal),
            ["Storage:ApprovalLinksTable"] = tables.Incidents.Replace("Incidents", "Links", StringComparison.Ordinal),
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        if (sandbox is not null)
        {
            settings["Azure:ResourceManagerEndpoint"] = sandbox.Address.ToString();
            settings["Azure:Credential"] = "Sandbox";
            settings["Azure:SandboxCertificateThumbprint"] = sandbox.Thumbprint;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddAutoRemediate(configuration);
    }

    public static AlertIngestor Ingestor(IIncidentStore store, ScopeOptions? scope = null, TimeSpan? hold = null, IPlatformNotices? notices = null, TimeProvider? time = null) =>
        new(store, notices ?? Notices(), new ScopeGuard(Options.Create(scope ?? new ScopeOptions())),
            Options.Create(new WorkflowOptions { EscalationHold = hold ?? TimeSpan.Zero }), time ?? TimeProvider.System, NullLogger<AlertIngestor>.Instance);

    /// <summary>A platform-notices store on a table of its own in Azurite.</summary>
    public static TablePlatformNotices Notices(string? table = null) =>
        new(new TableServiceClient(AzuriteFixture.ConnectionString),
            Options.Create(new StorageOptions { PlatformNoticesTable = table ?? "Notices" + Guid.NewGuid().ToString("N")[..12] }));

    public static WebhookAuthenticator NoAuth() =>
        new(Options.Create(new WebhookAuthOptions()), null, NullLogger<WebhookAuthenticator>.Instance);

    public static TableIncidentStore Store((string Incidents, string Timeline) tables, string? connectionString = null) =>
        new(new TableServiceClient(connectionString ?? AzuriteFixture.ConnectionString),
            Options.Create(new StorageOptions { IncidentsTable = tables.Incidents, TimelineTable = tables.Timeline }));
}
