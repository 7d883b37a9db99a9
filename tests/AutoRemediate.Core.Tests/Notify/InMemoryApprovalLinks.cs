using System.Collections.Concurrent;
using System.Security.Cryptography;
using AutoRemediate.Approvals;

namespace AutoRemediate.Core.Tests.Notify;

/// <summary>
/// TEST ONLY: a stand-in for the approval link store until the links branch (its real implementation)
/// is merged. It issues real random tokens and codes and remembers them so a test can compare them
/// with what the mail shows. Never registered in production code.
/// </summary>
internal sealed class InMemoryApprovalLinks : IApprovalLinks
{
    private readonly ConcurrentQueue<(ApprovalInvite Invite, IssuedLink Link)> _issued = new();

    public IReadOnlyList<(ApprovalInvite Invite, IssuedLink Link)> Issued => [.. _issued];

    public Task<IssuedLink> IssueAsync(ApprovalInvite invite, CancellationToken cancellationToken = default)
    {
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var code = RandomNumberGenerator.GetInt32(0, 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
        var link = new IssuedLink(token, code);
        _issued.Enqueue((invite, link));
        return Task.FromResult(link);
    }
}
