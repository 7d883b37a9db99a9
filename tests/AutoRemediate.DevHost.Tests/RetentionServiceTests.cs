using AutoRemediate.Incidents;
using AutoRemediate.Retention;
using AutoRemediate.Testing;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace AutoRemediate.DevHost.Tests;

/// <summary>The DevHost's equivalent of the retention timer: the same Core purge, on its own, every Retention:DevHostInterval.</summary>
[TestClass]
public sealed class RetentionServiceTests
{
    [TestMethod]
    public async Task DevHost_ShortRetentionInterval_PurgesAnOldClosedIncidentOnItsOwnAndKeepsANewOne()
    {
        var suffix = Guid.NewGuid().ToString("N")[..10];
        await using var host = await InProcessDevHost.StartAsync(AzuriteFixture.ConnectionString, new Dictionary<string, string?>
        {
            ["Storage:IncidentsTable"] = "Incidents" + suffix,
            ["Storage:TimelineTable"] = "Timeline" + suffix,
            ["Storage:ActionsTable"] = "Actions" + suffix,
            ["Storage:ApprovalsTable"] = "Approvals" + suffix,
            ["Storage:ApprovalLinksTable"] = "Links" + suffix,
            ["Retention:DevHostInterval"] = "00:00:01",
        });
        var store = host.Services.GetRequiredService<TableIncidentStore>();
        var now = DateTimeOffset.UtcNow;
        var old = await SeedAsync(store, now.AddDays(-91));
        var recent = await SeedAsync(store, now.AddDays(-89));
        var service = host.Services.GetRequiredService<RetentionService>();
        var passesBefore = service.Passes;

        // The service's own passes, nothing run by the test: wait for the old incident to go, bounded.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await store.GetAsync(old) is not null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        Assert.IsNull(await store.GetAsync(old), "the DevHost purged the incident past its retention on its own");
        Assert.AreEqual(0, (await store.GetTimelineAsync(old)).Count);
        Assert.IsNotNull(await store.GetAsync(recent));
        Assert.AreEqual(1, (await store.GetTimelineAsync(recent)).Count);
        Assert.IsGreaterThan(passesBefore, service.Passes);

        // And the one pass a test can run itself: the same entry point, nothing left to do.
        var pass = await host.Services.GetRequiredService<RetentionPurger>().RunOnceAsync(host.Services.GetRequiredService<DurableTaskClient>());
        Assert.AreEqual(0, pass.Purged);
    }

    private static async Task<string> SeedAsync(TableIncidentStore store, DateTimeOffset createdAt)
    {
        var id = "inc-20260101-" + Guid.NewGuid().ToString("N")[..16];
        var target = Samples.ShopSiteId.Replace("contoso-shop", "ret-" + Guid.NewGuid().ToString("N")[..6], StringComparison.Ordinal);
        Assert.IsTrue(await store.TryCreateAsync(new IncidentRecord(id, target, "alert-1", "memory-high", "Sev2", IncidentStatus.Resolved, "resolved", createdAt, createdAt)));
        await store.AppendTimelineAsync(new TimelineEntry(id, 0, createdAt, TimelineKinds.AlertReceived, "received"));
        return id;
    }
}
