using System.Text.Json;
using AutoRemediate.Azure;
using AutoRemediate.Evidence;
using AutoRemediate.Shared;
using Azure;

namespace AutoRemediate.Diagnostics;

/// <summary>
/// Evidence from App Service diagnostics detectors. Reads are idempotent; the raw responses are
/// written to the evidence container under a fixed name.
/// </summary>
public sealed class DetectorActivities
{
    /// <summary>The detectors run for every incident (App Service diagnostics ids).</summary>
    public static readonly IReadOnlyList<string> Detectors = ["sitecrashes", "highcpuanalysis", "memoryusage"];

    private readonly IAppServiceClient _appService;
    private readonly EvidenceBlobs _evidence;

    /// <summary>Creates the activities.</summary>
    public DetectorActivities(IAppServiceClient appService, EvidenceBlobs evidence)
    {
        _appService = appService;
        _evidence = evidence;
    }

    /// <summary>
    /// <see cref="ActivityNames.CollectDetectors"/>: runs the App Service diagnostics detectors,
    /// keeps their responses as evidence and returns each verdict and the crash count per instance.
    /// </summary>
    public async Task<DetectorsSummary> CollectDetectorsAsync(DetectorsRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var findings = new List<DetectorFinding>();
        var raw = new Dictionary<string, JsonElement>();
        var crashes = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (var detector in Detectors)
        {
            try
            {
                var response = await _appService.RunDetectorAsync(request.SiteResourceId, detector, request.Start, request.End, cancellationToken).ConfigureAwait(false);
                raw[detector] = response;
                findings.Add(DetectorParsing.Status(detector, response));
                DetectorParsing.CountCrashes(response, crashes);
            }
            catch (RequestFailedException ex)
            {
                findings.Add(new DetectorFinding(detector, "Failed", $"could not run ({ex.Status}): {Display.FirstLine(ex.Message)}"));
            }
        }

        var blob = raw.Count > 0 ? await _evidence.WriteJsonAsync(request.IncidentId, "detectors", raw, cancellationToken).ConfigureAwait(false) : null;
        return new DetectorsSummary(findings, crashes, blob);
    }
}
