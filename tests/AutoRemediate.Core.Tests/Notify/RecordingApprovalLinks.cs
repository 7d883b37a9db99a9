using System.Collections.Concurrent;
using AutoRemediate.Approvals;

namespace AutoRemediate.Core.Tests.Notify;

/// <summary>
/// The real approval link store (<see cref="TableApprovalLinks"/> on Azurite), with what it issued remembered so a
/// test can compare the mail's link and code with them. Tokens and codes exist nowhere else: only their hashes are stored.
/// </summary>
internal sealed class RecordingApprovalLinks : IApprovalLinks
{
    private readonly ConcurrentQueue<(ApprovalInvite Invite, IssuedLink Link)> _issued = new();
    private IApprovalLinks? _inner;

    public IReadOnlyList<(ApprovalInvite Invite, IssuedLink Link)> Issued => [.. _issued];

    /// <summary>Records the links <paramref name="inner"/> issues from now on.</summary>
    public RecordingApprovalLinks Over(IApprovalLinks inner)
    {
        _inner = inner;
        return this;
    }

    public async Task<IssuedLink> IssueAsync(ApprovalInvite invite, CancellationToken cancellationToken = default)
    {
        var link = await (_inner ?? throw new InvalidOperationException("No link store to record.")).IssueAsync(invite, cancellationToken);
        _issued.Enqueue((invite, link));
        return link;
    }
}
