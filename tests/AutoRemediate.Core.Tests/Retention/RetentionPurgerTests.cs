using AutoRemediate.Actions;
using AutoRemediate.Alerts;
using AutoRemediate.Approvals;
using AutoRemediate.DevHost;
using AutoRemediate.Incidents;
using AutoRemediate.Retention;
using AutoRemediate.Shared;
using AutoRemediate.Testing;
using AutoRemediate.Workflow;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AutoRemediate.Core.Tests.Retention;

/// <summary>
/// The retention purge against Azurite and the Durable Task test host: an old closed incident goes with everything kept
/// for it; new and live incidents stay; a pass is idempotent; a pass that storage stops half-way is finished by the next.
/// </summary>
[TestClass]
public sealed class RetentionPurgerTests
{
    private static readonly DateTimeOffset s_now = DateTimeOffset.UtcNow;
    private static readonly DateTimeOffset s_old = s_now.AddDays(-100);

    private static string Site(string name) => Samples.ShopSiteId.Replace("contoso-shop", name, StringComparison.Ordinal);

    private static AlertSignal Fired(string target) =>
        new("alert-" + target.GetHashCode(StringComparison.Ordinal), "memory-high", "Sev2", "Metric", MonitorCondition.Fired, "Platform", [target], s_old, null, null);

    private static string NewIncidentId() => "inc-20260101-" + Guid.NewGuid().ToString("N")[..16];

    // Remediation: waits for AlertResolved, so it runs as long as a test needs. Verification: completes at once.
    private static Task<DurableTaskTestHost> StartDurableAsync() =>
        DurableTaskTestHost.StartAsync(
            registry =>
            {
                registry.AddOrchestratorFunc<RemediationInput, string>(OrchestrationNames.Remediation, async (context, input) =>
                {
                    await context.WaitForExternalEvent<AlertResolvedEvent>(EventNames.AlertResolved);
                    return input.IncidentId;
                });
                registry.AddOrchestratorFunc<string, string>(OrchestrationNames.Verification, (context, input) => Task.FromResult(input));
            },
            new DurableTaskTestHostOptions { Port = DevHostRunner.FreeLoopbackPort() });

    /// <summary>Everything the pipeline keeps for one incident, written through the stores themselves.</summary>
    private sealed class World(ServiceProvider services, DurableTaskClient client, string evidence, string dumps)
    {
        public ServiceProvider Services => services;

        public TableIncidentStore Incidents => services.GetRequiredService<TableIncidentStore>();

        public RetentionPurger Purger => services.GetRequiredService<RetentionPurger>();

        public TableClient Table(Func<StorageOptions, string> name) =>
            services.GetRequiredService<TableServiceClient>().GetTableClient(name(services.GetRequiredService<Microsoft.Extensions.Options.IOptions<StorageOptions>>().Value));

        public BlobContainerClient Container(bool dump) => services.GetRequiredService<BlobServiceClient>().GetBlobContainerClient(dump ? dumps : evidence);

        public async Task<string> SeedAsync(string target, DateTimeOffset createdAt, IncidentStatus status, bool workflowRunning)
        {
            var id = NewIncidentId();
            Assert.IsTrue(await Incidents.TryCreateAsync(new IncidentRecord(id, target, "alert-1", "memory-high", "Sev2", status, "summary", createdAt, createdAt)));
            await Incidents.AppendTimelineAsync(new TimelineEntry(id, 0, createdAt, TimelineKinds.AlertReceived, "received"));
            await Incidents.AppendTimelineAsync(new TimelineEntry(id, 1, createdAt, TimelineKinds.AlertReceived, "more"));
            await services.GetRequiredService<TableApprovalStore>().OpenAsync(id, id + "-r1", "Restart", createdAt, createdAt.AddHours(1));
            await services.GetRequiredService<TableApprovalLinks>().IssueAsync(new ApprovalInvite(id, id + "-r1", "oncall@contoso.com", "Restart", createdAt.AddHours(1)));
            await services.GetRequiredService<TableActionJournal>().BeginAsync(new ActionRecord(id + "-r1", id, target, PlanKind.RestartApp, ActionState.Started, createdAt));
            foreach (var dump in new[] { false, true })
            {
                await Container(dump).CreateIfNotExistsAsync();
                await Container(dump).UploadBlobAsync($"{id}/{(dump ? "w1-w3wp-42.dmp" : "metrics.json")}", BinaryData.FromString("{}"));
            }

            var instanceId = IncidentIds.InstanceIdFor(target);
            await client.ScheduleNewOrchestrationInstanceAsync(OrchestrationNames.Remediation,
                new RemediationInput(id, target, Fired(target), new WorkflowSettings(TimeSpan.Zero)), new StartOrchestrationOptions(instanceId));
            await client.ScheduleNewOrchestrationInstanceAsync(OrchestrationNames.Verification, id, new StartOrchestrationOptions(RemediationOrchestration.VerificationInstanceId(id, 1)));
            await client.WaitForInstanceCompletionAsync(RemediationOrchestration.VerificationInstanceId(id, 1));
            if (!workflowRunning)
            {
                await client.RaiseEventAsync(instanceId, EventNames.AlertResolved, new AlertResolvedEvent("alert-1", "memory-high", createdAt));
                await client.WaitForInstanceCompletionAsync(instanceId);
            }
            else
            {
                await client.WaitForInstanceStartAsync(instanceId);
            }

            return id;
        }

        /// <summary>What is left of the incident, one word per place it was kept.</summary>
        public async Task<string[]> KeptAsync(string id, string target)
        {
            var kept = new List<string>();
            if (await Incidents.GetAsync(id) is not null)
            {
                kept.Add("incident");
            }

            if ((await Incidents.GetTimelineAsync(id)).Count > 0)
            {
                kept.Add("timeline");
            }

            var index = Table(o => o.IncidentsTable);
            if (await AnyAsync(index, TableClient.CreateQueryFilter($"PartitionKey eq {IncidentListKeys.AllPartition} and IncidentId eq {id}")))
            {
                kept.Add("list-all");
            }

            ResourceIds.TryParse(target, out var app);
            if (await AnyAsync(index, TableClient.CreateQueryFilter($"PartitionKey eq {IncidentListKeys.AppPartition(IncidentListApp.For(app!))} and IncidentId eq {id}")))
            {
                kept.Add("list-app");
            }

            if (await AnyAsync(Table(o => o.ApprovalsTable), TableClient.CreateQueryFilter($"PartitionKey eq {id}")))
            {
                kept.Add("approvals");
            }

            var links = Table(o => o.ApprovalLinksTable);
            if (await AnyAsync(links, TableClient.CreateQueryFilter($"IncidentId eq {id}")) || await AnyAsync(links, TableClient.CreateQueryFilter($"PartitionKey eq {id}")))
            {
                kept.Add("links");
            }

            var actions = Table(o => o.ActionsTable);
            if (await AnyAsync(actions, TableClient.CreateQueryFilter($"PartitionKey eq {IncidentIds.InstanceIdFor(target)} and IncidentId eq {id}")))
            {
                kept.Add("journal");
            }

            if (await AnyAsync(actions, TableClient.CreateQueryFilter($"PartitionKey eq 'running' and IncidentId eq {id}")))
            {
                kept.Add("marker");
            }

            foreach (var dump in new[] { false, true })
            {
                await foreach (var _ in Container(dump).GetBlobsAsync(global::Azure.Storage.Blobs.Models.BlobTraits.None, global::Azure.Storage.Blobs.Models.BlobStates.None, id + "/", default))
                {
                    kept.Add(dump ? "dump" : "evidence");
                    break;
                }
            }

            if (await client.GetInstanceAsync(IncidentIds.InstanceIdFor(target)) is not null)
            {
                kept.Add("remediation");
            }

            if (await client.GetInstanceAsync(RemediationOrchestration.VerificationInstanceId(id, 1)) is not null)
            {
                kept.Add("verification");
            }

            return [.. kept];
        }

        // Test-side reads may scan (the tables are the test's own); the purger's never do.
        private static async Task<bool> AnyAsync(TableClient table, string filter)
        {
            await foreach (var _ in table.QueryAsync<TableEntity>(filter))
            {
                return true;
            }

            return false;
        }
    }

    private static readonly string[] s_everything =
        ["incident", "timeline", "list-all", "list-app", "approvals", "links", "journal", "marker", "evidence", "dump", "remediation", "verification"];

    private static ServiceProvider Services(string connectionString, HttpPipelinePolicy? tablePolicy = null)
    {
        var suffix = Guid.NewGuid().ToString("N")[..10];
        var services = new ServiceCollection();
        TestServices.AddCore(services, null, TestServices.UniqueTables(), new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = connectionString,
            ["Evidence:EvidenceContainer"] = "evidence-" + suffix,
            ["Evidence:DumpsContainer"] = "dumps-" + suffix,
        });
        if (tablePolicy is not null)
        {
            var options = new TableClientOptions();
            options.Retry.MaxRetries = 1;
            options.Retry.Delay = TimeSpan.FromMilliseconds(50);
            options.AddPolicy(tablePolicy, HttpPipelinePosition.PerCall);
            services.AddSingleton(new TableServiceClient(connectionString, options));
        }

        return services.BuildServiceProvider();
    }

    private static World WorldOf(ServiceProvider services, DurableTaskClient client)
    {
        var evidence = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<AutoRemediate.Evidence.EvidenceOptions>>().Value;
        return new World(services, client, evidence.EvidenceContainer, evidence.DumpsContainer);
    }

    [TestMethod]
    public async Task RunOnce_OldClosedNewAndLiveIncidents_PurgesOnlyTheOldClosedOneWithEverythingKeptForIt()
    {
        await using var durable = await StartDurableAsync();
        await using var services = Services(AzuriteFixture.ConnectionString);
        var world = WorldOf(services, durable.Client);
        var (oldSite, newSite, openSite, runningSite) = (Site("old-" + Guid.NewGuid().ToString("N")[..6]), Site("new-" + Guid.NewGuid().ToString("N")[..6]),
            Site("open-" + Guid.NewGuid().ToString("N")[..6]), Site("run-" + Guid.NewGuid().ToString("N")[..6]));
        var old = await world.SeedAsync(oldSite, s_old, IncidentStatus.Resolved, workflowRunning: false);
        var recent = await world.SeedAsync(newSite, s_now.AddDays(-1), IncidentStatus.Resolved, workflowRunning: false);
        // Live, two ways: the record is not closed; the record is closed but its workflow still runs.
        var open = await world.SeedAsync(openSite, s_old, IncidentStatus.AwaitingApproval, workflowRunning: false);
        var running = await world.SeedAsync(runningSite, s_old, IncidentStatus.Resolved, workflowRunning: true);
        var seeded = await world.KeptAsync(old, oldSite);
        CollectionAssert.AreEquivalent(s_everything, seeded, "the seed wrote everything, but only " + string.Join(", ", seeded));

        var pass = await world.Purger.RunOnceAsync(durable.Client);

        CollectionAssert.AreEquivalent(Array.Empty<string>(), await world.KeptAsync(old, oldSite));
        CollectionAssert.AreEquivalent(s_everything, await world.KeptAsync(recent, newSite));
        // Of a live incident only the running marker of an action started past the retention goes: the fleet cap
        // counts recent markers only, and stale ones are purged whoever they belong to.
        var live = s_everything.Where(k => k != "marker").ToArray();
        CollectionAssert.AreEquivalent(live, await world.KeptAsync(open, openSite));
        CollectionAssert.AreEquivalent(live, await world.KeptAsync(running, runningSite));
        Assert.AreEqual(3, pass.Examined);
        Assert.AreEqual(1, pass.Purged);
        Assert.AreEqual(2, pass.KeptLive);
        Assert.AreEqual(2, pass.Blobs);
        Assert.AreEqual(2, pass.Instances);
        Assert.AreEqual(2, pass.StaleMarkers);
        Assert.IsFalse(pass.MoreDue);
    }

    [TestMethod]
    public async Task RunOnce_SecondPass_DeletesNothing()
    {
        await using var durable = await StartDurableAsync();
        await using var services = Services(AzuriteFixture.ConnectionString);
        var world = WorldOf(services, durable.Client);
        var oldSite = Site("old-" + Guid.NewGuid().ToString("N")[..6]);
        var newSite = Site("new-" + Guid.NewGuid().ToString("N")[..6]);
        var old = await world.SeedAsync(oldSite, s_old, IncidentStatus.Resolved, workflowRunning: false);
        var recent = await world.SeedAsync(newSite, s_now.AddDays(-89), IncidentStatus.Resolved, workflowRunning: false);
        Assert.AreEqual(1, (await world.Purger.RunOnceAsync(durable.Client)).Purged);

        var second = await world.Purger.RunOnceAsync(durable.Client);

        Assert.AreEqual(new RetentionPass(second.Cutoff, 0, 0, 0, 0, 0, 0, 0, false), second);
        CollectionAssert.AreEquivalent(Array.Empty<string>(), await world.KeptAsync(old, oldSite));
        CollectionAssert.AreEquivalent(s_everything, await world.KeptAsync(recent, newSite));
    }

    [TestMethod]
    public async Task RunOnce_MoreOldIncidentsThanTheBound_PurgesTheBoundAndTheNextPassTheRest()
    {
        await using var durable = await StartDurableAsync();
        var services = new ServiceCollection();
        var suffix = Guid.NewGuid().ToString("N")[..10];
        TestServices.AddCore(services, null, TestServices.UniqueTables(), new Dictionary<string, string?>
        {
            ["Retention:MaxIncidentsPerPass"] = "2",
            ["Evidence:EvidenceContainer"] = "evidence-" + suffix,
            ["Evidence:DumpsContainer"] = "dumps-" + suffix,
        });
        await using var provider = services.BuildServiceProvider();
        var world = WorldOf(provider, durable.Client);
        var sites = Enumerable.Range(0, 3).Select(i => Site($"bound{i}-" + Guid.NewGuid().ToString("N")[..6])).ToArray();
        foreach (var site in sites)
        {
            await world.SeedAsync(site, s_old, IncidentStatus.Resolved, workflowRunning: false);
        }

        var first = await world.Purger.RunOnceAsync(durable.Client);
        var second = await world.Purger.RunOnceAsync(durable.Client);

        Assert.AreEqual((2, true), (first.Purged, first.MoreDue));
        Assert.AreEqual((1, false), (second.Purged, second.MoreDue));
        Assert.AreEqual(0, (await world.Incidents.ListAsync(new IncidentQuery(null, new HashSet<IncidentStatus>(), null, 10, null))).Items.Count);
    }

    // Old incidents that are still live (stuck) do not use up the purge budget: behind more of them than the budget, the
    // old closed incident is still purged.
    [TestMethod]
    public async Task RunOnce_MoreOldLiveIncidentsThanTheBound_OldClosedOneBehindThemStillPurged()
    {
        await using var durable = await StartDurableAsync();
        var services = new ServiceCollection();
        var suffix = Guid.NewGuid().ToString("N")[..10];
        TestServices.AddCore(services, null, TestServices.UniqueTables(), new Dictionary<string, string?>
        {
            ["Retention:MaxIncidentsPerPass"] = "1",
            ["Evidence:EvidenceContainer"] = "evidence-" + suffix,
            ["Evidence:DumpsContainer"] = "dumps-" + suffix,
        });
        await using var provider = services.BuildServiceProvider();
        var world = WorldOf(provider, durable.Client);
        // The range is read newest first: the closed one is the oldest, behind three live ones.
        await world.SeedAsync(Site("closed-" + Guid.NewGuid().ToString("N")[..6]), s_old.AddDays(-3), IncidentStatus.Resolved, workflowRunning: false);
        for (var i = 0; i < 3; i++)
        {
            await world.SeedAsync(Site($"stuck{i}-" + Guid.NewGuid().ToString("N")[..6]), s_old.AddDays(-i), IncidentStatus.Investigating, workflowRunning: false);
        }

        var pass = await world.Purger.RunOnceAsync(durable.Client);

        Assert.AreEqual((1, 3, false), (pass.Purged, pass.KeptLive, pass.MoreDue));
        var left = await world.Incidents.ListAsync(new IncidentQuery(null, new HashSet<IncidentStatus>(), null, 10, null));
        Assert.IsTrue(left.Items.All(i => i.Status == IncidentStatus.Investigating) && left.Items.Count == 3);
    }

    [TestMethod]
    public async Task RunOnce_StorageStopsHalfWay_FailsKeepsTheIncidentRowAndTheNextPassFinishes()
    {
        var ports = LoopbackPorts.Free(3);
        var settings = new AzuriteSettings(ports[0], ports[1], ports[2], Directory.CreateTempSubdirectory("azurite-retention-").FullName);
        var azurite = await AzuriteLauncher.StartAsync(settings);
        try
        {
            await using var durable = await StartDurableAsync();
            // Storage goes down at the purge's first delete of a timeline row: after the blobs, approvals, links and
            // journal rows went, before the incident's own rows.
            var stop = new StopStorageAtFirstDelete("Timeline", () => azurite.DisposeAsync());
            await using var services = Services(azurite.ConnectionString, stop);
            var world = WorldOf(services, durable.Client);
            var site = Site("outage-" + Guid.NewGuid().ToString("N")[..6]);
            var id = await world.SeedAsync(site, s_old, IncidentStatus.Resolved, workflowRunning: false);

            Exception? failure = null;
            try
            {
                await world.Purger.RunOnceAsync(durable.Client);
            }
            catch (Exception ex)
            {
                failure = ex;
            }

            Assert.IsNotNull(failure, "a pass with storage down fails");
            Assert.IsTrue(stop.Fired);
            azurite = await AzuriteLauncher.StartAsync(settings);
            var left = await world.KeptAsync(id, site);
            CollectionAssert.IsSubsetOf(new[] { "incident", "timeline", "list-all", "list-app" }, left, "the incident and what finds it stay");
            CollectionAssert.DoesNotContain(left, "evidence", "the pass had got that far");

            var next = await world.Purger.RunOnceAsync(durable.Client);

            Assert.AreEqual(1, next.Purged);
            CollectionAssert.AreEquivalent(Array.Empty<string>(), await world.KeptAsync(id, site));
        }
        finally
        {
            await azurite.DisposeAsync();
        }
    }

    /// <summary>Stops the real storage (the Azurite process) when the first DELETE to a table named like <c>table</c> goes out.</summary>
    private sealed class StopStorageAtFirstDelete(string table, Func<ValueTask> stop) : HttpPipelinePolicy
    {
        private int _fired;

        public bool Fired => Volatile.Read(ref _fired) == 1;

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
            ProcessAsync(message, pipeline).AsTask().GetAwaiter().GetResult();

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            if (message.Request.Method == RequestMethod.Delete && message.Request.Uri.Path.Contains("/" + table, StringComparison.Ordinal) &&
                Interlocked.Exchange(ref _fired, 1) == 0)
            {
                await stop();
            }

            await ProcessNextAsync(message, pipeline);
        }
    }
}
