using AutoRemediate.Azure;
using AutoRemediate.Core.Tests.Azure;
using AutoRemediate.Evidence;
using AutoRemediate.Incidents;
using AutoRemediate.Testing;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AutoRemediate.Core.Tests.Evidence;

/// <summary>The dump before a restart: its budgets, the upload from the Sandbox's ARM into Azurite, and the timeline entry.</summary>
[TestClass]
public sealed class DumpActivitiesTests
{
    private const long MiB = 1024 * 1024;
    private static readonly string s_shop = SandboxFixture.SiteId("contoso-shop");
    private static SandboxFixture s_sandbox = null!;
    private BlobServiceClient _blobs = null!;
    private string _container = null!;
    private TableIncidentStore _store = null!;
    private string _incidentId = null!;

    [ClassInitialize]
    public static async Task StartAsync(TestContext context) => s_sandbox = await SandboxFixture.StartAsync();

    [ClassCleanup]
    public static async Task StopAsync() => await s_sandbox.DisposeAsync();

    [TestInitialize]
    public async Task SetupAsync()
    {
        await s_sandbox.ResetAsync();
        _blobs = new BlobServiceClient(AzuriteFixture.ConnectionString);
        _container = "dumps" + Guid.NewGuid().ToString("N")[..12];
        _store = TestServices.Store(TestServices.UniqueTables());
        _incidentId = "inc-" + Guid.NewGuid().ToString("N")[..12];
    }

    private static WorkerProcess Worker(string instanceId, long? privateBytes = 100 * MiB) =>
        new(instanceId, 1, "w3wp", 200 * MiB, privateBytes, 12.5, DateTimeOffset.UtcNow.AddHours(-1));

    private DumpActivities Activities(EvidenceOptions? options = null, SemaphoreSlim? slots = null)
    {
        options ??= new EvidenceOptions();
        options.DumpsContainer = _container;
        options.BlockSizeBytes = (int)MiB;
        var client = AppServiceClientTests.Client(s_sandbox);
        var uploader = new DumpUploader(_blobs, Options.Create(options), TimeProvider.System, NullLogger<DumpUploader>.Instance);
        return new DumpActivities(client, uploader, _store, Options.Create(options), TimeProvider.System, slots);
    }

    private static async Task<string> InstanceAsync() => (await AppServiceClientTests.Client(s_sandbox).ListInstancesAsync(s_shop))[0].InstanceId;

    private bool DumpRequested() => s_sandbox.Requests.Snapshot().Any(r => r.Path.EndsWith("/dump", StringComparison.OrdinalIgnoreCase));

    [TestMethod]
    [DataRow(false, false, 100L, null, "memory dumps are turned off (Evidence:DumpsEnabled=false)", DisplayName = "turned off")]
    [DataRow(false, true, 100L, null, "memory dumps are turned off (Evidence:DumpsEnabled=false)", DisplayName = "turned off wins over Linux")]
    [DataRow(true, true, 100L, null, "the app runs on Linux, where Kudu takes dumps only of .NET apps through dotnet-monitor; not attempted", DisplayName = "Linux")]
    [DataRow(true, false, 5000L, 4096L, "w3wp (pid 1) uses 5,000 MiB of private memory, over the 4,096 MiB dump budget", DisplayName = "over the size budget")]
    [DataRow(true, false, 4096L, 4096L, null, DisplayName = "exactly the budget: attempted")]
    [DataRow(true, false, null, 4096L, null, DisplayName = "private bytes unknown: attempted")]
    public void NotAttemptedReason_Budgets_ReasonOrNullToAttempt(bool enabled, bool linux, long? privateMiB, long? maxMiB, string? expected)
    {
        var options = new EvidenceOptions { DumpsEnabled = enabled };
        if (maxMiB is { } max)
        {
            options.MaxDumpBytes = max * MiB;
        }

        var request = new DumpRequest("inc-1", s_shop, Worker("i1", privateMiB * MiB), linux);

        Assert.AreEqual(expected, DumpActivities.NotAttemptedReason(request, options));
    }

    [TestMethod]
    [DataRow("0123456789abcdef0123", "inc-1/01234567-w3wp-1.dmp", DisplayName = "long instance id: its first 8 characters")]
    [DataRow("abc", "inc-1/abc-w3wp-1.dmp", DisplayName = "short instance id: whole")]
    public void BlobName_InstanceId_IncidentThenShortInstanceProcessAndPid(string instanceId, string expected)
    {
        Assert.AreEqual(expected, DumpActivities.BlobName("inc-1", Worker(instanceId)));
    }

    [TestMethod]
    [DataRow(false, false, DisplayName = "turned off")]
    [DataRow(true, true, DisplayName = "Linux")]
    public async Task CaptureDump_NotAttempted_DumpSkippedOnTheTimelineAndNothingAskedOfArm(bool enabled, bool linux)
    {
        var outcome = await Activities(new EvidenceOptions { DumpsEnabled = enabled })
            .CaptureDumpAsync(new DumpRequest(_incidentId, s_shop, Worker("i1"), linux, Sequence: 4));

        Assert.IsFalse(outcome.Stored);
        Assert.IsFalse(DumpRequested());
        var entry = (await _store.GetTimelineAsync(_incidentId)).Single();
        Assert.AreEqual(TimelineKinds.DumpSkipped, entry.Kind);
        Assert.AreEqual(4, entry.Sequence);
        Assert.AreEqual($"No memory dump: {outcome.SkippedReason}. The mitigation goes ahead without it.", entry.Message);
    }

    [TestMethod]
    public async Task CaptureDump_Sandbox_StoredUnderItsNameAndDumpCapturedOnTheTimeline()
    {
        var instance = await InstanceAsync();
        await s_sandbox.AddFaultAsync(new { pathContains = "/dump", dumpSizeBytes = 3 * MiB + 5 });

        var outcome = await Activities().CaptureDumpAsync(new DumpRequest(_incidentId, s_shop, Worker(instance), false, Sequence: 7));

        Assert.IsTrue(outcome.Stored, outcome.SkippedReason);
        Assert.AreEqual(3 * MiB + 5, outcome.Bytes);
        var blob = _blobs.GetBlobContainerClient(_container).GetBlobClient(DumpActivities.BlobName(_incidentId, Worker(instance)));
        Assert.AreEqual(3 * MiB + 5, (await blob.GetPropertiesAsync()).Value.ContentLength);
        Assert.AreEqual(blob.Uri.ToString(), outcome.BlobUri);
        var entry = (await _store.GetTimelineAsync(_incidentId)).Single();
        Assert.AreEqual(TimelineKinds.DumpCaptured, entry.Kind);
        StringAssert.Contains(entry.Message, $"sha256 {outcome.Sha256}");
    }

    // Evidence:MaxConcurrentDumps bounds the dumps (and their staging buffers) one process takes at once. Each dump here
    // answers after 3 s, so with one slot the second dump's request comes at least 3 s after the first's; with two slots
    // both are asked for at once.
    [TestMethod]
    [DataRow(1, DisplayName = "one slot: the second dump waits for the first")]
    [DataRow(2, DisplayName = "two slots: both at once")]
    public async Task CaptureDump_TwoAtOnce_NoMoreInFlightThanTheSlots(int slots)
    {
        var instance = await InstanceAsync();
        await s_sandbox.AddFaultAsync(new { pathContains = "/dump", delayMs = 3000, times = 2, dumpSizeBytes = 1 * MiB });
        var activities = Activities(new EvidenceOptions { MaxConcurrentDumps = slots });

        var outcomes = await Task.WhenAll(
            activities.CaptureDumpAsync(new DumpRequest(_incidentId, s_shop, Worker(instance), false)),
            activities.CaptureDumpAsync(new DumpRequest(_incidentId + "-b", s_shop, Worker(instance), false)));

        Assert.IsTrue(outcomes.All(o => o.Stored), string.Join("; ", outcomes.Select(o => o.SkippedReason)));
        var dumps = s_sandbox.Requests.Snapshot().Where(r => r.Path.EndsWith("/dump", StringComparison.OrdinalIgnoreCase)).Select(r => r.At).Order().ToList();
        Assert.HasCount(2, dumps);
        var apart = dumps[1] - dumps[0];
        Assert.AreEqual(slots == 1, apart >= TimeSpan.FromSeconds(3), $"the two dumps were asked for {apart.TotalSeconds:0.0} s apart");
    }

    // Every slot taken (here held by the test, as dumps of other incidents would hold them) for the dump's whole budget:
    // skipped without asking Kudu, the timeline says why, and the mitigation goes ahead. Once a slot is free, the next
    // dump is taken.
    [TestMethod]
    public async Task CaptureDump_NoSlotFreeWithinTheBudget_SkippedWithTheReasonAndKuduNotAsked()
    {
        var instance = await InstanceAsync();
        using var slots = new SemaphoreSlim(1, 1);
        await slots.WaitAsync();
        var activities = Activities(new EvidenceOptions { MaxConcurrentDumps = 1, DumpTimeBudget = TimeSpan.FromSeconds(1) }, slots);

        var outcome = await activities.CaptureDumpAsync(new DumpRequest(_incidentId, s_shop, Worker(instance), false, Sequence: 5));

        Assert.IsFalse(outcome.Stored);
        Assert.AreEqual("other dumps held all 1 of this instance's dump slots (Evidence:MaxConcurrentDumps) for the whole 1 s budget", outcome.SkippedReason);
        Assert.IsFalse(DumpRequested());
        Assert.AreEqual($"No memory dump: {outcome.SkippedReason}. The mitigation goes ahead without it.", (await _store.GetTimelineAsync(_incidentId)).Single().Message);

        slots.Release();
        await s_sandbox.AddFaultAsync(new { pathContains = "/dump", dumpSizeBytes = 1 * MiB });
        var next = await Activities(new EvidenceOptions { MaxConcurrentDumps = 1 }, slots).CaptureDumpAsync(new DumpRequest(_incidentId + "-b", s_shop, Worker(instance), false));
        Assert.IsTrue(next.Stored, next.SkippedReason);
    }

    [TestMethod]
    [DataRow("too large", "the dump of w3wp grew past the 1 MiB budget; nothing was kept")]
    [DataRow("slow", "the dump of w3wp took longer than the 1 s budget; nothing was kept")]
    [DataRow("refused", "the dump of w3wp could not be taken:")]
    public async Task CaptureDump_DumpFails_SkippedWithTheReasonAndNoBlob(string failure, string reason)
    {
        var instance = await InstanceAsync();
        var options = new EvidenceOptions { MaxDumpBytes = 1 * MiB, DumpTimeBudget = TimeSpan.FromSeconds(1) };
        await s_sandbox.AddFaultAsync(failure switch
        {
            "too large" => new { pathContains = "/dump", dumpSizeBytes = 3 * MiB } as object,
            "slow" => new { pathContains = "/dump", delayMs = 20000 },
            _ => new { pathContains = "/dump", status = 403 },
        });

        var outcome = await Activities(options).CaptureDumpAsync(new DumpRequest(_incidentId, s_shop, Worker(instance, privateBytes: null), false));

        Assert.IsFalse(outcome.Stored);
        StringAssert.StartsWith(outcome.SkippedReason, reason);
        Assert.IsFalse(await _blobs.GetBlobContainerClient(_container).GetBlobClient(DumpActivities.BlobName(_incidentId, Worker(instance))).ExistsAsync());
        Assert.IsEmpty(await _store.GetTimelineAsync(_incidentId), "Sequence 0: no timeline entry");
    }
}
