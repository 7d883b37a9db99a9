using Azure.Data.Tables;
using AutoRemediate.Incidents;
using AutoRemediate.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AutoRemediate.Core.Tests;

/// <summary>Core's real registrations against the test run's Azurite and (optionally) a Sandbox, with tables unique to the test.</summary>
internal static class TestServices
{
    public static (string Incidents, string Timeline) UniqueTables()
    {
        var suffix = Guid.NewGuid().ToString("N")[..12];
        return ("Incidents" + suffix, "Timeline" + suffix);
    }

    public static void AddCore(IServiceCollection services, SandboxFixture? sandbox, (string Incidents, string Timeline) tables)
    {
        var settings = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = AzuriteFixture.ConnectionString,
            ["Storage:IncidentsTable"] = tables.Incidents,
            ["Storage:TimelineTable"] = tables.Timeline,
        };
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

    public static TableIncidentStore Store((string Incidents, string Timeline) tables) =>
        new(new TableServiceClient(AzuriteFixture.ConnectionString),
            Microsoft.Extensions.Options.Options.Create(new StorageOptions { IncidentsTable = tables.Incidents, TimelineTable = tables.Timeline }));
}
