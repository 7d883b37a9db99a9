namespace AutoRemediate.Approvals;

/// <summary>One approver's invitation to decide one approval request: what the link they get is for.</summary>
/// <param name="IncidentId">The incident.</param>
/// <param name="ApprovalId">The request (incident + rung) the link decides.</param>
/// <param name="Approver">The addressed approver (an email address): the person a decision through the link is recorded as.</param>
/// <param name="Plan">What the request asks for, in words.</param>
/// <param name="ExpiresAt">When the request, and with it the link, expires.</param>
public sealed record ApprovalInvite(string IncidentId, string ApprovalId, string Approver, string Plan, DateTimeOffset ExpiresAt);

/// <summary>
/// What goes into one approval mail: the link's token and the one-time code. Neither is ever stored (only
/// their hashes are) nor logged, nor passed through orchestration history: they exist only between
/// <see cref="IApprovalLinks.IssueAsync"/> and the mail being sent, in the same activity.
/// </summary>
/// <param name="Token">The opaque random token the link carries (at least 128 bits, URL-safe).</param>
/// <param name="Code">The short one-time code printed in the mail body, never in the link.</param>
public sealed record IssuedLink(string Token, string Code)
{
    /// <inheritdoc />
    public override string ToString() => "IssuedLink { (secret) }";
}

/// <summary>Issues approval links: one per approver and request, stored by the hash of its token.</summary>
public interface IApprovalLinks
{
    /// <summary>
    /// Issues a new link for <paramref name="invite"/>: a fresh random token and code, of which only hashes
    /// are stored with the invite (state pending). Each call issues a new link; earlier links of the same
    /// invite stay valid until the request is decided or expires.
    /// </summary>
    Task<IssuedLink> IssueAsync(ApprovalInvite invite, CancellationToken cancellationToken = default);
}

/// <summary>Where an approval link points, for both hosts.</summary>
public static class ApprovalLinkRoutes
{
    /// <summary>The route template of the review page (GET) and the decision form (POST).</summary>
    public const string Template = "approve/{token}";

    /// <summary>The absolute link for <paramref name="token"/> under the host's public base address (for example https://app.azurewebsites.net).</summary>
    public static Uri For(Uri publicBase, string token)
    {
        ArgumentNullException.ThrowIfNull(publicBase);
        ArgumentException.ThrowIfNullOrEmpty(token);
        return new Uri(publicBase, "/api/approve/" + Uri.EscapeDataString(token));
    }
}
