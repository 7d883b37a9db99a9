using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using AutoRemediate.Actions;
using AutoRemediate.Incidents;
using AutoRemediate.Testing;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace AutoRemediate.Core.Tests.Incidents;

/// <summary><c>GET /api/incidents</c>: the store's list index against Azurite, and the endpoint's query grammar.</summary>
[TestClass]
public sealed class IncidentListTests
{
    private const string Sub = "00000000-0000-0000-0000-000000000001";
    private const string OtherSub = "00000000-0000-0000-0000-000000000002";
    private static readonly DateTimeOffset s_start = new(2026, 11, 2, 8, 0, 0, TimeSpan.Zero);

    private static string Site(string name, string subscription = Sub) =>
        $"/subscriptions/{subscription}/resourceGroups/rg-prod/providers/Microsoft.Web/sites/{name}";

    private static string Id(int n) => $"inc-{s_start:yyyyMMdd}-{n:x16}";

    private static IncidentRecord Incident(int n, string target, int minutes) =>
        new(Id(n), target, "alert-" + n, "rule", "Sev2", IncidentStatus.Received, "received", s_start.AddMinutes(minutes), s_start.AddMinutes(minutes));

    private static IncidentQuery Query(IncidentListApp? app = null, IncidentStatus[]? statuses = null, DateTimeOffset? since = null, int top = 25, string? continuation = null, bool exact = false) =>
        new(app, (statuses ?? []).ToHashSet(), since, top, continuation, exact);

    [TestMethod]
    public async Task List_PagesOfThree_NewestFirstEveryIncidentExactlyOnce()
    {
        var store = TestServices.Store(TestServices.UniqueTables());
        for (var n = 1; n <= 7; n++)
        {
            await store.TryCreateAsync(Incident(n, Site(n % 2 == 0 ? "contoso-shop" : "contoso-api"), minutes: n));
        }

        var seen = new List<string>();
        var pages = new List<int>();
        string? continuation = null;
        do
        {
            var page = await store.ListAsync(Query(top: 3, continuation: continuation));
            seen.AddRange(page.Items.Select(i => i.IncidentId));
            pages.Add(page.Items.Count);
            continuation = page.Continuation;
        }
        while (continuation is not null);

        CollectionAssert.AreEqual(Enumerable.Range(1, 7).Reverse().Select(Id).ToArray(), seen.ToArray());
        CollectionAssert.AreEqual(new[] { 3, 3, 1 }, pages.ToArray());
    }

    [TestMethod]
    public async Task List_AppFilter_ByNameBySlotAndByArmId()
    {
        var store = TestServices.Store(TestServices.UniqueTables());
        await store.TryCreateAsync(Incident(1, Site("contoso-shop"), 1));
        await store.TryCreateAsync(Incident(2, Site("contoso-shop", OtherSub), 2));
        await store.TryCreateAsync(Incident(3, Site("contoso-shop") + "/slots/staging", 3));
        await store.TryCreateAsync(Incident(4, Site("contoso-api"), 4));

        var byName = await store.ListAsync(IncidentListRequest.TryParse(QueryOf(("app", "Contoso-Shop")), out _)!);
        var bySlot = await store.ListAsync(IncidentListRequest.TryParse(QueryOf(("app", "contoso-shop/staging")), out _)!);
        var byId = await store.ListAsync(IncidentListRequest.TryParse(QueryOf(("app", Site("CONTOSO-SHOP"))), out _)!);

        CollectionAssert.AreEqual(new[] { Id(2), Id(1) }, byName.Items.Select(i => i.IncidentId).ToArray(), "the name is both subscriptions' app, not its slot");
        CollectionAssert.AreEqual(new[] { Id(3) }, bySlot.Items.Select(i => i.IncidentId).ToArray());
        CollectionAssert.AreEqual(new[] { Id(1) }, byId.Items.Select(i => i.IncidentId).ToArray(), "the ARM id is that one resource");
    }

    [TestMethod]
    public async Task List_StatusAndSince_FollowTheIncidentAsItChanges()
    {
        var store = TestServices.Store(TestServices.UniqueTables());
        await store.TryCreateAsync(Incident(1, Site("contoso-shop"), 1));
        await store.TryCreateAsync(Incident(2, Site("contoso-shop"), 10));
        await store.TryCreateAsync(Incident(3, Site("contoso-api"), 20));
        await store.UpdateStatusAsync(Id(2), IncidentStatus.AwaitingApproval, "waits for a person", s_start.AddMinutes(11));
        await store.UpdateStatusAsync(Id(3), IncidentStatus.Resolved, "healthy again", s_start.AddMinutes(21));

        var waiting = await store.ListAsync(Query(statuses: [IncidentStatus.AwaitingApproval]));
        var closedOrWaiting = await store.ListAsync(Query(statuses: [IncidentStatus.Resolved, IncidentStatus.AwaitingApproval]));
        var received = await store.ListAsync(Query(statuses: [IncidentStatus.Received]));
        var since = await store.ListAsync(Query(since: s_start.AddMinutes(10)));

        CollectionAssert.AreEqual(new[] { Id(2) }, waiting.Items.Select(i => i.IncidentId).ToArray());
        Assert.AreEqual("waits for a person", waiting.Items[0].Summary);
        CollectionAssert.AreEqual(new[] { Id(3), Id(2) }, closedOrWaiting.Items.Select(i => i.IncidentId).ToArray());
        CollectionAssert.AreEqual(new[] { Id(1) }, received.Items.Select(i => i.IncidentId).ToArray());
        CollectionAssert.AreEqual(new[] { Id(3), Id(2) }, since.Items.Select(i => i.IncidentId).ToArray(), "since is inclusive");
    }

    [TestMethod]
    public async Task List_IndexBehindTheIncident_ShowsTheStoredStatusAndRepairsTheIndex()
    {
        var tables = TestServices.UniqueTables();
        var store = TestServices.Store(tables);
        var incident = Incident(1, Site("contoso-shop"), 1);
        await store.TryCreateAsync(incident);
        await store.UpdateStatusAsync(Id(1), IncidentStatus.Resolved, "healthy again", s_start.AddMinutes(5));
        // As if the index write after the status write had failed: the index still says Received.
        var table = new TableClient(AzuriteFixture.ConnectionString, tables.Incidents);
        await table.UpdateEntityAsync(new TableEntity(IncidentListKeys.AllPartition, IncidentListKeys.RowKey(incident.CreatedAt, Id(1))) { ["Status"] = "Received" }, global::Azure.ETag.All);
        // And an index row whose incident was never stored.
        await table.UpsertEntityAsync(new TableEntity(IncidentListKeys.AllPartition, IncidentListKeys.RowKey(s_start.AddMinutes(9), Id(9))) { ["IncidentId"] = Id(9), ["Status"] = "Received" });

        var received = await store.ListAsync(Query(statuses: [IncidentStatus.Received]));
        var all = await store.ListAsync(Query());
        var resolved = await store.ListAsync(Query(statuses: [IncidentStatus.Resolved]));

        Assert.AreEqual(0, received.Items.Count, "a Resolved incident is never listed as Received, and the orphan row is no incident");
        CollectionAssert.AreEqual(new[] { (Id(1), IncidentStatus.Resolved) }, all.Items.Select(i => (i.IncidentId, i.Status)).ToArray());
        CollectionAssert.AreEqual(new[] { Id(1) }, resolved.Items.Select(i => i.IncidentId).ToArray(), "the index was repaired");
    }

    [TestMethod]
    public async Task DeleteUnstarted_RemovesTheIndexRowsToo()
    {
        var tables = TestServices.UniqueTables();
        var store = TestServices.Store(tables);
        await store.TryCreateAsync(Incident(1, Site("contoso-shop"), 1));

        await store.DeleteUnstartedAsync(Id(1));

        Assert.AreEqual(0, await TableRows.CountAsync(tables.Incidents));
    }

    // The point: lists, the fleet breaker's count and the journal's cooldown and fleet counts are each one
    // partition read. Every query the stores send is watched on the wire.
    [TestMethod]
    public async Task EveryQuery_ListsAndCounts_ReadsOnePartitionNeverTheTable()
    {
        var queries = new ConcurrentQueue<string>();
        var options = new TableClientOptions();
        options.AddPolicy(new QueryWatcher(queries), HttpPipelinePosition.PerCall);
        var service = new TableServiceClient(AzuriteFixture.ConnectionString, options);
        var tables = TestServices.UniqueTables();
        var store = new TableIncidentStore(service, Options.Create(new StorageOptions { IncidentsTable = tables.Incidents, TimelineTable = tables.Timeline }));
        var journal = new TableActionJournal(service, Options.Create(new StorageOptions { ActionsTable = "Actions" + Guid.NewGuid().ToString("N")[..12] }));
        await store.TryCreateAsync(Incident(1, Site("contoso-shop"), 1));
        await store.TryCreateAsync(Incident(2, Site("contoso-api"), 2));
        await journal.BeginAsync(new ActionRecord(Id(1) + "-a1", Id(1), Site("contoso-shop"), PlanKind.RestartApp, ActionState.Started, s_start.AddMinutes(3)));
        queries.Clear();

        var page = await store.ListAsync(Query(top: 1));
        await store.ListAsync(Query(app: IncidentListApp.For(AutoRemediate.Shared.ResourceIds.TryParse(Site("contoso-shop"), out var id) ? id! : null!), statuses: [IncidentStatus.Received], since: s_start, continuation: null, exact: true));
        await store.ListAsync(Query(top: 1, continuation: page.Continuation));
        var apps = await store.CountAppsAlertingSinceAsync(s_start);
        var running = await journal.CountRunningAsync(s_start);
        var recent = await journal.RecentAsync(Site("contoso-shop"), s_start);
        await journal.FinishAsync(Site("contoso-shop"), Id(1));
        var runningAfter = await journal.CountRunningAsync(s_start);

        Assert.AreEqual(2, apps);
        Assert.AreEqual(1, running);
        Assert.AreEqual(1, recent.Count);
        Assert.AreEqual(0, runningAfter, "a finished action no longer counts fleet-wide");
        Assert.IsTrue(queries.Count >= 7, string.Join("\n", queries));
        foreach (var filter in queries)
        {
            StringAssert.StartsWith(filter, "PartitionKey eq '", "every query names its partition: " + filter);
        }
    }

    [TestMethod]
    public async Task Journal_CountRunning_OnlyUnfinishedActionsStartedInTheWindow()
    {
        var journal = new TableActionJournal(new TableServiceClient(AzuriteFixture.ConnectionString), Options.Create(new StorageOptions { ActionsTable = "Actions" + Guid.NewGuid().ToString("N")[..12] }));
        await journal.BeginAsync(new ActionRecord(Id(1) + "-a1", Id(1), Site("contoso-shop"), PlanKind.RestartApp, ActionState.Started, s_start));
        await journal.BeginAsync(new ActionRecord(Id(2) + "-a1", Id(2), Site("contoso-api"), PlanKind.RestartApp, ActionState.Started, s_start.AddMinutes(30)));
        await journal.BeginAsync(new ActionRecord(Id(3) + "-a1", Id(3), Site("contoso-web"), PlanKind.RestartApp, ActionState.Started, s_start.AddMinutes(40)));
        await journal.FinishAsync(Site("contoso-web"), Id(3));
        // A retried begin of a finished action does not count it again.
        var (again, existed) = await journal.BeginAsync(new ActionRecord(Id(3) + "-a1", Id(3), Site("contoso-web"), PlanKind.RestartApp, ActionState.Started, s_start.AddMinutes(40)));

        Assert.IsTrue(existed && again.Finished);
        Assert.AreEqual(1, await journal.CountRunningAsync(s_start.AddMinutes(10)), "only contoso-api: contoso-shop is outside the window, contoso-web finished");
        Assert.AreEqual(2, await journal.CountRunningAsync(s_start));
    }

    [TestMethod]
    [DataRow("top=0", "top")]
    [DataRow("top=101", "top")]
    [DataRow("top=1e2", "top")]
    [DataRow("top=+5", "top")]
    [DataRow("status=Fixed", "status")]
    [DataRow("status=3", "status")]
    [DataRow("status=Resolved,,", "status")]
    [DataRow("since=2026-11-30T12:00:00", "since")]
    [DataRow("since=yesterday", "since")]
    [DataRow("app=../contoso-shop", "app")]
    [DataRow("app=contoso-shop/staging/x", "app")]
    [DataRow("app=/subscriptions/x/resourceGroups/rg/providers/Microsoft.Web/sites/a", "app")]
    [DataRow("app=-shop", "app")]
    [DataRow("continuation=abc", "continuation")]
    [DataRow("continuation=MDAwMDAwMDAwMDAwMDAwMDAwMF9pbmMtMQ", "continuation")]
    [DataRow("Top=5", "Top")]
    [DataRow("status=Resolved&status=Escalated", "status")]
    public void Parse_BadParameter_NamedInTheErrors(string queryString, string field)
    {
        var query = new QueryCollection(Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery("?" + queryString));

        var parsed = IncidentListRequest.TryParse(query, out var errors);

        Assert.IsNull(parsed);
        Assert.IsTrue(errors.Any(e => e.Field == field), string.Join("; ", errors));
    }

    [TestMethod]
    public void Parse_Everything_ReadsEachParameter()
    {
        var continuation = IncidentListKeys.EncodeContinuation(IncidentListKeys.RowKey(s_start, Id(5)));
        var query = new QueryCollection(Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(
            $"?app=contoso-shop&status=resolved,AwaitingApproval&since=2026-11-30T13:00:00%2B01:00&top=50&continuation={continuation}&code=key"));

        var parsed = IncidentListRequest.TryParse(query, out var errors)!;

        Assert.AreEqual(0, errors.Count, string.Join("; ", errors));
        Assert.AreEqual("contoso-shop", parsed.App!.Name);
        Assert.IsFalse(parsed.ExactTarget);
        CollectionAssert.AreEquivalent(new[] { IncidentStatus.Resolved, IncidentStatus.AwaitingApproval }, parsed.Statuses.ToArray());
        Assert.AreEqual(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero), parsed.Since);
        Assert.AreEqual(50, parsed.Top);
        Assert.AreEqual(IncidentListKeys.RowKey(s_start, Id(5)), IncidentListKeys.DecodeContinuation(parsed.Continuation));
    }

    [TestMethod]
    public async Task Endpoint_BadQuery_400ProblemAndStorageNeverAsked()
    {
        var store = new Moq.Mock<IIncidentStore>(Moq.MockBehavior.Strict);
        var endpoint = Endpoint(store.Object);
        var context = new DefaultHttpContext { RequestServices = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider() };
        context.Response.Body = new MemoryStream();

        var result = await endpoint.ListAsync(QueryOf(("top", "0"), ("since", "now")), CancellationToken.None);
        await result.ExecuteAsync(context);

        Assert.AreEqual(StatusCodes.Status400BadRequest, context.Response.StatusCode);
        Assert.AreEqual("application/problem+json", context.Response.ContentType);
        context.Response.Body.Position = 0;
        var problem = JsonNode.Parse(context.Response.Body)!;
        CollectionAssert.AreEquivalent(new[] { "top", "since" }, problem["errors"]!.AsArray().Select(e => e!["field"]!.GetValue<string>()).ToArray());
    }

    [TestMethod]
    public async Task Endpoint_MorePages_NextLinkKeepsTheFiltersAndLeavesTheKeyOut()
    {
        var store = TestServices.Store(TestServices.UniqueTables());
        for (var n = 1; n <= 3; n++)
        {
            await store.TryCreateAsync(Incident(n, Site("contoso-shop"), n));
        }

        var context = new DefaultHttpContext { RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider() };
        context.Response.Body = new MemoryStream();
        var result = await Endpoint(store).ListAsync(QueryOf(("app", "contoso-shop"), ("top", "2"), ("code", "secret-key")), CancellationToken.None);
        await result.ExecuteAsync(context);

        context.Response.Body.Position = 0;
        var body = JsonNode.Parse(context.Response.Body)!;
        Assert.AreEqual(2, body["items"]!.AsArray().Count);
        Assert.AreEqual("contoso-shop", body["items"]![0]!["app"]!.GetValue<string>());
        Assert.AreEqual($"/api/incidents/{Id(3)}", body["items"]![0]!["href"]!.GetValue<string>());
        var next = body["next"]!.GetValue<string>();
        StringAssert.StartsWith(next, "/api/incidents?app=contoso-shop&top=2&continuation=");
        Assert.IsFalse(next.Contains("secret-key", StringComparison.Ordinal));
    }

    private static IncidentsEndpoint Endpoint(IIncidentStore store) =>
        new(store, new IncidentReconciler(store, TimeProvider.System, NullLogger<IncidentReconciler>.Instance), Options.Create(new AutoRemediate.Http.IngestOptions()), TimeProvider.System, NullLogger<IncidentsEndpoint>.Instance);

    private static QueryCollection QueryOf(params (string Key, string Value)[] parameters) =>
        new(parameters.ToDictionary(p => p.Key, p => new StringValues(p.Value)));

    private sealed class QueryWatcher(ConcurrentQueue<string> queries) : HttpPipelineSynchronousPolicy
    {
        public override void OnSendingRequest(HttpMessage message)
        {
            var uri = message.Request.Uri.ToUri();
            // Entity queries: GET on a table with a $filter (point reads address one entity in the path).
            if (message.Request.Method == RequestMethod.Get && System.Web.HttpUtility.ParseQueryString(uri.Query)["$filter"] is { } filter)
            {
                queries.Enqueue(filter);
            }
        }
    }
}
