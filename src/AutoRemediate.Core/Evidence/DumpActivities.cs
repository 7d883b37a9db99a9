using System.Globalization;
using AutoRemediate.Azure;
using AutoRemediate.Incidents;
using AutoRemediate.Shared;
using Azure;
using Microsoft.Extensions.Options;

namespace AutoRemediate.Evidence;

/// <summary>
/// The memory dump taken before a restart: its budgets (size, time, platform), the upload through
/// <see cref="DumpUploader"/> and the timeline entry that says how it went. Safe to run again: the
/// blob has a fixed name and the uploader keeps a complete one as it is.
/// </summary>
public sealed class DumpActivities
{
    private readonly IAppServiceClient _appService;
    private readonly DumpUploader _dumps;
    private readonly IIncidentStore _incidents;
    private readonly IOptions<EvidenceOptions> _options;
    private readonly TimeProvider _time;
    // One per process (the activities are a singleton): at most EvidenceOptions.MaxConcurrentDumps dumps at once.
    private readonly SemaphoreSlim _slots;

    /// <summary>Creates the activities.</summary>
    public DumpActivities(IAppServiceClient appService, DumpUploader dumps, IIncidentStore incidents, IOptions<EvidenceOptions> options, TimeProvider time)
        : this(appService, dumps, incidents, options, time, null)
    {
    }

    // Tests pass the slots, to hold them as other dumps in flight would.
    internal DumpActivities(IAppServiceClient appService, DumpUploader dumps, IIncidentStore incidents, IOptions<EvidenceOptions> options, TimeProvider time, SemaphoreSlim? slots)
    {
        ArgumentNullException.ThrowIfNull(options);
        _slots = slots ?? new SemaphoreSlim(options.Value.MaxConcurrentDumps, options.Value.MaxConcurrentDumps);
        _appService = appService;
        _dumps = dumps;
        _incidents = incidents;
        _options = options;
        _time = time;
    }

    /// <summary>
    /// <see cref="ActivityNames.CaptureDump"/>: streams a full memory dump of the process to the
    /// dumps container within the configured size and time budget. Never throws for a dump that cannot be
    /// taken: the outcome says why, and the mitigation goes ahead without it.
    /// </summary>
    public async Task<DumpOutcome> CaptureDumpAsync(DumpRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var outcome = await DumpAsync(request, cancellationToken).ConfigureAwait(false);
        if (request.Sequence > 0)
        {
            var p = request.Process;
            await _incidents.AppendTimelineAsync(new TimelineEntry(request.IncidentId, request.Sequence, _time.GetUtcNow(), outcome.Stored ? TimelineKinds.DumpCaptured : TimelineKinds.DumpSkipped, outcome.Stored
                ? $"Memory dump of {p.Name} (pid {p.ProcessId}) on instance {Display.ShortId(p.InstanceId)}: {outcome.Bytes.ToString("N0", CultureInfo.InvariantCulture)} bytes in {outcome.Seconds.ToString("0.0", CultureInfo.InvariantCulture)} s, sha256 {outcome.Sha256}, at {outcome.BlobUri}"
                : $"No memory dump: {outcome.SkippedReason}. The mitigation goes ahead without it."), cancellationToken).ConfigureAwait(false);
        }

        return outcome;
    }

    /// <summary>The dump's blob name within the dumps container: <c>{incident}/{instance, 8 chars}-{process}-{pid}.dmp</c>.</summary>
    public static string BlobName(string incidentId, WorkerProcess process)
    {
        ArgumentNullException.ThrowIfNull(process);
        return $"{incidentId}/{Display.ShortId(process.InstanceId)}-{process.Name}-{process.ProcessId}.dmp";
    }

    /// <summary>Why no dump is attempted under <paramref name="options"/> (turned off, Linux, over the size budget), or null to attempt it.</summary>
    public static string? NotAttemptedReason(DumpRequest request, EvidenceOptions options)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(options);
        var process = request.Process;
        if (!options.DumpsEnabled)
        {
            return $"memory dumps are turned off ({EvidenceOptions.SectionName}:{nameof(EvidenceOptions.DumpsEnabled)}=false)";
        }

        if (request.IsLinux)
        {
            return "the app runs on Linux, where Kudu takes dumps only of .NET apps through dotnet-monitor; not attempted";
        }

        if (process.PrivateBytes > options.MaxDumpBytes)
        {
            return $"{process.Name} (pid {process.ProcessId}) uses {Display.Mib(process.PrivateBytes.Value)} of private memory, over the {Display.Mib(options.MaxDumpBytes)} dump budget";
        }

        return null;
    }

    private async Task<DumpOutcome> DumpAsync(DumpRequest request, CancellationToken cancellationToken)
    {
        var options = _options.Value;
        var process = request.Process;
        if (NotAttemptedReason(request, options) is { } reason)
        {
            return Skipped(reason);
        }

        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(options.DumpTimeBudget);
        // The wait for a slot counts against the dump's budget: a storm's later dumps are skipped rather than holding
        // their mitigation back for longer than one dump may take.
        try
        {
            await _slots.WaitAsync(budget.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Skipped($"other dumps held all {options.MaxConcurrentDumps.ToString(CultureInfo.InvariantCulture)} of this instance's dump slots ({EvidenceOptions.SectionName}:{nameof(EvidenceOptions.MaxConcurrentDumps)}) for the whole {options.DumpTimeBudget.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s budget");
        }

        try
        {
            var result = await _dumps.UploadAsync(
                BlobName(request.IncidentId, process), ct => _appService.GetProcessDumpAsync(request.SiteResourceId, process.InstanceId, process.ProcessId, ct), options.MaxDumpBytes, budget.Token).ConfigureAwait(false);
            return new DumpOutcome(true, result.BlobUri.ToString(), result.Bytes, result.Sha256, null, result.Duration.TotalSeconds);
        }
        catch (DumpTooLargeException ex)
        {
            return Skipped($"the dump of {process.Name} grew past the {Display.Mib(ex.LimitBytes)} budget; nothing was kept");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Skipped($"the dump of {process.Name} took longer than the {options.DumpTimeBudget.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s budget; nothing was kept");
        }
        catch (Exception ex) when (ex is RequestFailedException or IOException or HttpRequestException)
        {
            return Skipped($"the dump of {process.Name} could not be taken: {Display.FirstLine(ex.Message)}");
        }
        finally
        {
            _slots.Release();
        }
    }

    private static DumpOutcome Skipped(string reason) => new(false, null, 0, null, reason, 0);
}
