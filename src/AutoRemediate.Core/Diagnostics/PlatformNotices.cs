using System.Security.Cryptography;
using System.Text;
using AutoRemediate.Alerts;
using AutoRemediate.Incidents;
using AutoRemediate.Shared;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;

namespace AutoRemediate.Diagnostics;

/// <summary>A Service Health notice as the platform check sees it.</summary>
/// <param name="TrackingId">Azure's tracking id (e.g. ABC1-DEF).</param>
/// <param name="Title">The communication title.</param>
/// <param name="Service">The impacted service, as sent.</param>
/// <param name="Regions">The impacted regions, as sent (comma-separated).</param>
/// <param name="IncidentType">Incident, Maintenance, Informational, ActionRequired.</param>
/// <param name="Stage">Active, Resolved, RCA, ... (an absent stage counts as active).</param>
/// <param name="UpdatedAt">When Azure sent this version.</param>
public sealed record PlatformNotice(string TrackingId, string? Title, string? Service, string? Regions, string? IncidentType, string? Stage, DateTimeOffset UpdatedAt)
{
    /// <summary>True for an incident that is not resolved yet.</summary>
    public bool IsOpenIncident =>
        string.Equals(IncidentType ?? "Incident", "Incident", StringComparison.OrdinalIgnoreCase)
        && !(Stage is { } s && (s.Equals("Resolved", StringComparison.OrdinalIgnoreCase) || s.Equals("RCA", StringComparison.OrdinalIgnoreCase) || s.Equals("Closed", StringComparison.OrdinalIgnoreCase)));

    /// <summary>
    /// True when the notice is about App Service: its service names App Service (Service Health's "App
    /// Service", "App Service (Linux)", "App Service \ Web Apps"), Web Apps or Functions (which run on
    /// App Service). A notice that names no service, or another one, is not evidence against an app.
    /// </summary>
    public bool IsAboutAppService =>
        Service is { Length: > 0 } service
        && (service.Contains("App Service", StringComparison.OrdinalIgnoreCase)
            || service.Contains("Web Apps", StringComparison.OrdinalIgnoreCase)
            || service.Contains("Functions", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// True when the notice counts against an app in <paramref name="region"/> at <paramref name="at"/>: an
    /// open incident, about App Service, in that region (or global), updated within <paramref name="maxAge"/>.
    /// </summary>
    public bool CountsAgainst(string? region, DateTimeOffset at, TimeSpan maxAge) =>
        IsOpenIncident && IsAboutAppService && Covers(region) && at - UpdatedAt <= maxAge;

    /// <summary>True when the notice names <paramref name="region"/> (or is global).</summary>
    public bool Covers(string? region)
    {
        var wanted = Normalize(region);
        return (Regions ?? string.Empty).Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(Normalize)
            .Any(r => r == "global" || (wanted.Length > 0 && r == wanted));
    }

    private static string Normalize(string? region) => (region ?? string.Empty).Replace(" ", string.Empty, StringComparison.Ordinal).ToLowerInvariant();
}

/// <summary>
/// Service Health notices received through the alert webhook (an action group on a Service Health
/// alert rule). The pipeline cannot ask Azure for open incidents without another SDK, so it keeps
/// what Azure pushed: one row per tracking id, the newest version wins.
/// </summary>
public interface IPlatformNotices
{
    /// <summary>Records a notice; a version older than the stored one is ignored.</summary>
    Task RecordAsync(PlatformNotice notice, CancellationToken cancellationToken = default);

    /// <summary>Every stored notice.</summary>
    Task<IReadOnlyList<PlatformNotice>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>Turns a Service Health alert into a notice.</summary>
    static PlatformNotice FromSignal(AlertSignal signal)
    {
        ArgumentNullException.ThrowIfNull(signal);
        var activity = signal.Activity;
        var id = activity?.TrackingId is { Length: > 0 } tracking
            ? tracking
            : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(signal.AlertId)))[..16];
        return new PlatformNotice(id, activity?.Title, activity?.Service, activity?.Region, activity?.IncidentType, activity?.Stage ?? activity?.Status, signal.FiredAt);
    }
}

/// <summary><see cref="IPlatformNotices"/> on Table Storage.</summary>
public sealed class TablePlatformNotices : IPlatformNotices
{
    private const string Partition = "servicehealth";
    private readonly TableClient _table;
    private readonly AsyncOnce _tableCreated;

    /// <summary>Creates the store.</summary>
    public TablePlatformNotices(TableServiceClient service, IOptions<StorageOptions> options)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(options);
        _table = service.GetTableClient(options.Value.PlatformNoticesTable);
        _tableCreated = new AsyncOnce(ct => _table.CreateIfNotExistsAsync(ct));
    }

    /// <inheritdoc />
    public async Task RecordAsync(PlatformNotice notice, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(notice);
        await _tableCreated.EnsureAsync(cancellationToken).ConfigureAwait(false);
        // Tracking ids are short upper-case codes; keep only key-safe characters.
        var rowKey = new string(notice.TrackingId.Where(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_').ToArray());
        var entity = new TableEntity(Partition, rowKey.Length > 0 ? rowKey : "unknown")
        {
            ["TrackingId"] = notice.TrackingId,
            ["Title"] = notice.Title,
            ["Service"] = notice.Service,
            ["Regions"] = notice.Regions,
            ["IncidentType"] = notice.IncidentType,
            ["Stage"] = notice.Stage,
            ["UpdatedAt"] = notice.UpdatedAt,
        };
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var existing = await _table.GetEntityIfExistsAsync<TableEntity>(entity.PartitionKey, entity.RowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
            try
            {
                if (!existing.HasValue || existing.Value is null)
                {
                    await _table.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false);
                    return;
                }

                if ((existing.Value.GetDateTimeOffset("UpdatedAt") ?? DateTimeOffset.MinValue) > notice.UpdatedAt)
                {
                    return;
                }

                await _table.UpdateEntityAsync(entity, existing.Value.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412)
            {
                // Another delivery wrote first: read again and compare.
            }
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<PlatformNotice>> ListAsync(CancellationToken cancellationToken = default)
    {
        await _tableCreated.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var notices = new List<PlatformNotice>();
        await foreach (var e in _table.QueryAsync<TableEntity>(e => e.PartitionKey == Partition, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            notices.Add(new PlatformNotice(
                e.GetString("TrackingId") ?? e.RowKey, e.GetString("Title"), e.GetString("Service"), e.GetString("Regions"),
                e.GetString("IncidentType"), e.GetString("Stage"), e.GetDateTimeOffset("UpdatedAt") ?? DateTimeOffset.MinValue));
        }

        return notices;
    }
}
