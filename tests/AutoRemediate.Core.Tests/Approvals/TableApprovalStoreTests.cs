using AutoRemediate.Approvals;
using AutoRemediate.Incidents;
using AutoRemediate.Testing;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;

namespace AutoRemediate.Core.Tests.Approvals;

/// <summary>The approval claim against Azurite: conditional writes decide who wins, whatever the timing.</summary>
[TestClass]
public sealed class TableApprovalStoreTests
{
    private static readonly DateTimeOffset s_now = new(2026, 11, 30, 8, 0, 0, TimeSpan.Zero);

    private static TableApprovalStore NewStore() =>
        new(new TableServiceClient(AzuriteFixture.ConnectionString), Options.Create(new StorageOptions { ApprovalsTable = "Approvals" + Guid.NewGuid().ToString("N")[..12] }));

    private static async Task<(TableApprovalStore Store, ApprovalRecord Pending)> OpenAsync()
    {
        var store = NewStore();
        await store.OpenAsync("inc-20261130-0000000000000001", "inc-20261130-0000000000000001-r1", "Restart", s_now, s_now.AddMinutes(30));
        return (store, (await store.GetAsync("inc-20261130-0000000000000001", "inc-20261130-0000000000000001-r1"))!);
    }

    [TestMethod]
    public async Task TryDecideAsync_TwoClaimsFromTheSameRead_ExactlyOneWinsAndTheLoserSeesTheWinner()
    {
        var (store, pending) = await OpenAsync();

        // Both approvers read the same pending row, then write at once.
        var results = await Task.WhenAll(
            Task.Run(() => store.TryDecideAsync(pending, approve: true, "alice@contoso.com", null, s_now.AddMinutes(1))),
            Task.Run(() => store.TryDecideAsync(pending, approve: false, "bob@contoso.com", "no", s_now.AddMinutes(1))));

        Assert.AreEqual(1, results.Count(r => r.Won));
        var winner = results.Single(r => r.Won).Current;
        var loser = results.Single(r => !r.Won).Current;
        Assert.AreEqual(winner.DecidedBy, loser.DecidedBy, "the loser reads who won");
        Assert.AreEqual(winner.State, loser.State);
        var stored = await store.GetAsync(pending.IncidentId, pending.ApprovalId);
        Assert.AreEqual(winner.DecidedBy, stored!.DecidedBy);
    }

    [TestMethod]
    public async Task CloseAsync_AfterAClaim_ReturnsTheClaimAndLeavesItDecided()
    {
        var (store, pending) = await OpenAsync();
        await store.TryDecideAsync(pending, approve: true, "carol@contoso.com", "go", s_now.AddMinutes(29));

        var closed = await store.CloseAsync(pending.IncidentId, pending.ApprovalId, ApprovalState.TimedOut, s_now.AddMinutes(30));

        Assert.AreEqual(ApprovalState.Approved, closed!.State);
        Assert.AreEqual("carol@contoso.com", closed.DecidedBy);
        Assert.AreEqual(ApprovalState.Approved, (await store.GetAsync(pending.IncidentId, pending.ApprovalId))!.State);
    }

    [TestMethod]
    public async Task CloseAsync_Pending_EndsTimedOutAndAClaimFromAnEarlierReadLoses()
    {
        var (store, pending) = await OpenAsync();

        var closed = await store.CloseAsync(pending.IncidentId, pending.ApprovalId, ApprovalState.TimedOut, s_now.AddMinutes(30));
        var (won, current) = await store.TryDecideAsync(pending, approve: true, "late@contoso.com", null, s_now.AddMinutes(30));

        Assert.AreEqual(ApprovalState.TimedOut, closed!.State);
        Assert.IsFalse(won);
        Assert.AreEqual(ApprovalState.TimedOut, current.State);
        Assert.IsNull(current.DecidedBy);
    }

    [TestMethod]
    public async Task OpenAsync_Again_LeavesAClaimedRequestAsItIs()
    {
        var (store, pending) = await OpenAsync();
        await store.TryDecideAsync(pending, approve: false, "dave@contoso.com", null, s_now.AddMinutes(2));

        await store.OpenAsync(pending.IncidentId, pending.ApprovalId, "Restart", s_now, s_now.AddMinutes(30));

        Assert.AreEqual(ApprovalState.Rejected, (await store.GetAsync(pending.IncidentId, pending.ApprovalId))!.State);
    }
}
