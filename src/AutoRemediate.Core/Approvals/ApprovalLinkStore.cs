using System.Security.Cryptography;
using System.Text;
using AutoRemediate.Incidents;
using AutoRemediate.Shared;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;

namespace AutoRemediate.Approvals;

/// <summary>Where one approval link stands (the request it decides has its own state).</summary>
public enum ApprovalLinkState
{
    /// <summary>Issued; no decision went through it.</summary>
    Pending,

    /// <summary>A decision went through it; it shows that decision from now on.</summary>
    Spent,

    /// <summary>Too many wrong codes: it decides nothing any more, even with the right code.</summary>
    Locked,
}

/// <summary>One approval link as stored: everything but the token and the code, of which only hashes are kept.</summary>
/// <param name="TokenHash">SHA-256 (lowercase hex) of the token: the row's key.</param>
/// <param name="IncidentId">The incident.</param>
/// <param name="ApprovalId">The request the link decides, and the only one it can decide.</param>
/// <param name="Approver">The addressed approver; a decision through the link is recorded as them.</param>
/// <param name="Plan">What the request asks for, in words.</param>
/// <param name="ExpiresAt">When the link expires.</param>
/// <param name="IssuedAt">When it was issued.</param>
/// <param name="State">Pending, Spent or Locked.</param>
/// <param name="FailedTries">Wrong codes so far.</param>
/// <param name="OpenedCount">How often the page was opened (GET).</param>
/// <param name="FirstOpenedAt">First open.</param>
/// <param name="LastOpenedAt">Latest open.</param>
/// <param name="DecidedAt">When a decision went through it.</param>
/// <param name="DecidedBy">Who that decision is recorded as.</param>
/// <param name="DecidedFrom">The client address it came from.</param>
/// <param name="CodeHash">HMAC-SHA256 of the normalized code keyed with the token (see <see cref="ApprovalLinkSecrets.CodeHash"/>).</param>
/// <param name="ETag">The storage ETag the next conditional write must match.</param>
public sealed record ApprovalLink(
    string TokenHash, string IncidentId, string ApprovalId, string Approver, string Plan, DateTimeOffset ExpiresAt, DateTimeOffset IssuedAt,
    ApprovalLinkState State, int FailedTries, int OpenedCount, DateTimeOffset? FirstOpenedAt, DateTimeOffset? LastOpenedAt,
    DateTimeOffset? DecidedAt, string? DecidedBy, string? DecidedFrom, string CodeHash, string ETag)
{
    /// <inheritdoc />
    public override string ToString() => $"ApprovalLink {{ {IncidentId} {ApprovalId} {State} }}";
}

/// <summary>The token and code grammar and their hashes. Nothing here stores or logs a secret.</summary>
public static partial class ApprovalLinkSecrets
{
    /// <summary>Characters of a code: no 0/O, 1/I/L, so a code read aloud or off a phone cannot be mistyped into another.</summary>
    public const string CodeAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";

    /// <summary>Length of a code, without its dash.</summary>
    public const int CodeLength = 8;

    /// <summary>Length of a token: 32 random bytes in base64url without padding.</summary>
    public const int TokenLength = 43;

    /// <summary>A fresh token: 32 bytes from <see cref="RandomNumberGenerator"/>, base64url (43 characters).</summary>
    public static string NewToken() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>A fresh code as shown to a person, grouped: <c>K7RX-M2QD</c>.</summary>
    public static string NewCode()
    {
        var chars = new char[CodeLength];
        for (var i = 0; i < CodeLength; i++)
        {
            chars[i] = CodeAlphabet[RandomNumberGenerator.GetInt32(CodeAlphabet.Length)];
        }

        return new string(chars, 0, 4) + "-" + new string(chars, 4, 4);
    }

    /// <summary>True when <paramref name="token"/> is exactly 43 base64url characters.</summary>
    public static bool IsWellFormedToken(string? token) => token is { Length: TokenLength } && TokenPattern().IsMatch(token);

    /// <summary>SHA-256 of the token, lowercase hex: the key of its row.</summary>
    public static string HashToken(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(token)));

    /// <summary>
    /// The code as typed, in any case, with or without the dash or spaces, made canonical; null when it
    /// cannot be a code (wrong length or a character outside <see cref="CodeAlphabet"/>).
    /// </summary>
    public static string? NormalizeCode(string? typed)
    {
        if (typed is null || typed.Length > 32)
        {
            return null;
        }

        var sb = new StringBuilder(CodeLength);
        foreach (var c in typed)
        {
            if (c is '-' || char.IsWhiteSpace(c))
            {
                continue;
            }

            var upper = char.ToUpperInvariant(c);
            if (!CodeAlphabet.Contains(upper, StringComparison.Ordinal) || sb.Length == CodeLength)
            {
                return null;
            }

            sb.Append(upper);
        }

        return sb.Length == CodeLength ? sb.ToString() : null;
    }

    /// <summary>
    /// What is stored of a code: HMAC-SHA256 of the normalized code keyed with the token itself. The token is
    /// never stored, so somebody who reads the table cannot try the 31^8 codes offline against the hash (as
    /// they could against SHA-256 of token-hash + code), and there is no server key to keep or rotate.
    /// </summary>
    public static string CodeHash(string token, string normalizedCode) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.ASCII.GetBytes(token), Encoding.ASCII.GetBytes(normalizedCode)));

    /// <summary>True when <paramref name="typedCode"/> is the link's code (constant-time comparison).</summary>
    public static bool CodeMatches(ApprovalLink link, string token, string? typedCode)
    {
        ArgumentNullException.ThrowIfNull(link);
        var normalized = NormalizeCode(typedCode);
        if (normalized is null)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(CodeHash(token, normalized)), Encoding.ASCII.GetBytes(link.CodeHash));
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9_-]{43}$", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex TokenPattern();
}

/// <summary>
/// <see cref="IApprovalLinks"/> on Table Storage: PartitionKey = SHA-256 of the token, RowKey fixed. Counters
/// and state changes are writes conditional on the row's ETag, retried on conflict, so concurrent opens and
/// wrong codes are all counted. Beside the links, one index row per link in the incident's partition
/// (PartitionKey = incident id, RowKey = the token's hash; incident ids never look like a hash), written before the
/// link, so retention finds an incident's links by one partition read instead of a scan.
/// </summary>
public sealed class TableApprovalLinks : IApprovalLinks
{
    /// <summary>Wrong codes after which a link is locked.</summary>
    public const int MaxFailedTries = 5;

    private const string RowKey = "link";
    private const int MaxConflictRetries = 50;
    private readonly TableClient _table;
    private readonly AsyncOnce _tableCreated;
    private readonly TimeProvider _time;

    /// <summary>Creates the store over the given service.</summary>
    public TableApprovalLinks(TableServiceClient service, IOptions<StorageOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(options);
        _table = service.GetTableClient(options.Value.ApprovalLinksTable);
        _tableCreated = new AsyncOnce(ct => _table.CreateIfNotExistsAsync(ct));
        _time = time;
    }

    /// <inheritdoc />
    public async Task<IssuedLink> IssueAsync(ApprovalInvite invite, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(invite);
        await _tableCreated.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var token = ApprovalLinkSecrets.NewToken();
        var code = ApprovalLinkSecrets.NewCode();
        var entity = new TableEntity(ApprovalLinkSecrets.HashToken(token), RowKey)
        {
            ["IncidentId"] = invite.IncidentId,
            ["ApprovalId"] = invite.ApprovalId,
            ["Approver"] = invite.Approver,
            ["Plan"] = InputText.Clean(invite.Plan, 2000) ?? string.Empty,
            ["ExpiresAt"] = invite.ExpiresAt,
            ["IssuedAt"] = _time.GetUtcNow(),
            ["State"] = nameof(ApprovalLinkState.Pending),
            ["FailedTries"] = 0,
            ["OpenedCount"] = 0,
            ["CodeHash"] = ApprovalLinkSecrets.CodeHash(token, ApprovalLinkSecrets.NormalizeCode(code)!),
        };

        // The index row first: a link must never exist that retention cannot find. An index row whose link never
        // follows (the add below fails) names nothing, and goes with the incident.
        await _table.UpsertEntityAsync(new TableEntity(invite.IncidentId, entity.PartitionKey) { ["ApprovalId"] = invite.ApprovalId }, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);

        // A fresh 256-bit token never collides; Add (not Upsert) so that it could never overwrite a link.
        await _table.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false);
        return new IssuedLink(token, code);
    }

    /// <summary>The link a well-formed token names, or null.</summary>
    public async Task<ApprovalLink?> FindAsync(string token, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        return await GetAsync(ApprovalLinkSecrets.HashToken(token), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Counts one more open; <c>First</c> is true for the one call that counted the first one. Under very heavy
    /// concurrent opening an open may go uncounted (the count is then a lower bound) rather than fail the page.
    /// </summary>
    public async Task<(bool First, ApprovalLink Current)> RecordOpenedAsync(ApprovalLink link, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(link);
        try
        {
            return await CountOpenAsync(link, at, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 412)
        {
            // Lost every retry to other opens: one of them counted the first open, so its timeline entry exists.
            return (false, link);
        }
    }

    private async Task<(bool First, ApprovalLink Current)> CountOpenAsync(ApprovalLink link, DateTimeOffset at, CancellationToken cancellationToken)
    {
        return await UpdateAsync(link, current =>
            (current with { OpenedCount = current.OpenedCount + 1, LastOpenedAt = at, FirstOpenedAt = current.FirstOpenedAt ?? at }, current.OpenedCount == 0),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Counts one wrong code; at <see cref="MaxFailedTries"/> the link becomes Locked. <c>LockedNow</c> is true
    /// for the call that locked it. A link that is no longer pending is left as it is.
    /// </summary>
    public async Task<(bool LockedNow, ApprovalLink Current)> RecordWrongCodeAsync(ApprovalLink link, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(link);
        return await UpdateAsync(link, current =>
        {
            if (current.State != ApprovalLinkState.Pending)
            {
                return (null, false);
            }

            var tries = current.FailedTries + 1;
            var locked = tries >= MaxFailedTries;
            return (current with { FailedTries = tries, State = locked ? ApprovalLinkState.Locked : current.State }, locked);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Marks the link Spent by the decision that went through it. Idempotent; a Locked link stays Locked.</summary>
    public async Task<ApprovalLink> MarkSpentAsync(ApprovalLink link, string decidedBy, string? from, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(link);
        var (_, current) = await UpdateAsync(link, current =>
        {
            if (current.State != ApprovalLinkState.Pending)
            {
                return (null, false);
            }

            return (current with { State = ApprovalLinkState.Spent, DecidedAt = at, DecidedBy = decidedBy, DecidedFrom = from }, true);
        }, cancellationToken).ConfigureAwait(false);
        return current;
    }

    /// <summary>
    /// Deletes every link issued for the incident, found through its index rows, then the index rows themselves; returns
    /// how many rows went. Each link goes before its index row, so a purge that stops half-way is finished by the next. Idempotent.
    /// </summary>
    public async Task<int> PurgeIncidentAsync(string incidentId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(incidentId);
        await _tableCreated.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var hashes = new List<string>();
        await foreach (var row in _table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {incidentId}"), select: ["RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            hashes.Add(row.RowKey);
        }

        var deleted = 0;
        foreach (var hash in hashes)
        {
            deleted += await TableRowDeletes.DeleteAsync(_table, hash, RowKey, cancellationToken).ConfigureAwait(false) ? 1 : 0;
            deleted += await TableRowDeletes.DeleteAsync(_table, incidentId, hash, cancellationToken).ConfigureAwait(false) ? 1 : 0;
        }

        return deleted;
    }

    // The mutable fields of a link, written together as one merge.
    private static TableEntity Patch(ApprovalLink link)
    {
        var patch = new TableEntity(link.TokenHash, RowKey)
        {
            ["State"] = link.State.ToString(),
            ["FailedTries"] = link.FailedTries,
            ["OpenedCount"] = link.OpenedCount,
            ["DecidedBy"] = link.DecidedBy ?? string.Empty,
            ["DecidedFrom"] = link.DecidedFrom ?? string.Empty,
        };
        AddIfSet(patch, "FirstOpenedAt", link.FirstOpenedAt);
        AddIfSet(patch, "LastOpenedAt", link.LastOpenedAt);
        AddIfSet(patch, "DecidedAt", link.DecidedAt);
        return patch;

        static void AddIfSet(TableEntity entity, string name, DateTimeOffset? value)
        {
            if (value is { } v)
            {
                entity[name] = v;
            }
        }
    }

    // Read-modify-write conditional on the ETag; on conflict read again and reapply, so no count is lost. The result is
    // the link as this write left it (not a later read, which could already show another writer's change: a wrong code
    // counted fourth must answer "1 try left" even if the fifth locks the link a moment later).
    private async Task<(bool Flag, ApprovalLink Current)> UpdateAsync(ApprovalLink link, Func<ApprovalLink, (ApprovalLink? After, bool Flag)> change, CancellationToken cancellationToken)
    {
        await _tableCreated.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var current = link;
        for (var attempt = 1; ; attempt++)
        {
            var (after, flag) = change(current);
            if (after is null)
            {
                return (false, current);
            }

            try
            {
                var response = await _table.UpdateEntityAsync(Patch(after), new ETag(current.ETag), TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
                return (flag, after with { ETag = response.Headers.ETag?.ToString() ?? after.ETag });
            }
            catch (RequestFailedException ex) when (ex.Status == 412 && attempt < MaxConflictRetries)
            {
                current = await GetAsync(current.TokenHash, cancellationToken).ConfigureAwait(false) ?? current;
            }
        }
    }

    private async Task<ApprovalLink?> GetAsync(string tokenHash, CancellationToken cancellationToken)
    {
        await _tableCreated.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var response = await _table.GetEntityIfExistsAsync<TableEntity>(tokenHash, RowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.HasValue && response.Value is { } e ? Read(e) : null;
    }

    private static ApprovalLink Read(TableEntity e) => new(
        e.PartitionKey,
        e.GetString("IncidentId") ?? string.Empty,
        e.GetString("ApprovalId") ?? string.Empty,
        e.GetString("Approver") ?? string.Empty,
        e.GetString("Plan") ?? string.Empty,
        e.GetDateTimeOffset("ExpiresAt") ?? DateTimeOffset.MinValue,
        e.GetDateTimeOffset("IssuedAt") ?? DateTimeOffset.MinValue,
        Enum.TryParse<ApprovalLinkState>(e.GetString("State"), out var state) ? state : ApprovalLinkState.Locked,
        e.GetInt32("FailedTries") ?? 0,
        e.GetInt32("OpenedCount") ?? 0,
        e.GetDateTimeOffset("FirstOpenedAt"),
        e.GetDateTimeOffset("LastOpenedAt"),
        e.GetDateTimeOffset("DecidedAt"),
        e.GetString("DecidedBy") is { Length: > 0 } by ? by : null,
        e.GetString("DecidedFrom") is { Length: > 0 } from ? from : null,
        e.GetString("CodeHash") ?? string.Empty,
        e.ETag.ToString());
}
