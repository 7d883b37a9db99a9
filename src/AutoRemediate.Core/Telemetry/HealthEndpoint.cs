using System.Diagnostics;
using AutoRemediate.Evidence;
using AutoRemediate.Incidents;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AutoRemediate.Telemetry;

/// <summary>
/// <c>GET /api/health</c> on both hosts (anonymous): whether the pipeline's own storage (Table and Blob) and
/// its Durable backend answer. 200 when all do, 503 naming the parts that did not. Each probe is a read
/// with a short timeout, so a hung dependency answers in seconds; the body carries part names, timings and
/// exception type names only: no endpoints, keys or messages.
/// </summary>
public sealed class HealthEndpoint
{
    /// <summary>The longest each probe may take.</summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(4);

    // An instance id no workflow uses: reading it proves the backend answers, and finds nothing.
    private const string ProbeInstanceId = "autoremediate-health-probe";

    private readonly TableServiceClient _tables;
    private readonly BlobServiceClient _blobs;
    private readonly StorageOptions _storage;
    private readonly EvidenceOptions _evidence;
    private readonly ILogger<HealthEndpoint> _logger;

    /// <summary>Creates the endpoint on the pipeline's storage clients.</summary>
    public HealthEndpoint(TableServiceClient tables, BlobServiceClient blobs, IOptions<StorageOptions> storage, IOptions<EvidenceOptions> evidence, ILogger<HealthEndpoint> logger)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(evidence);
        _tables = tables;
        _blobs = blobs;
        _storage = storage.Value;
        _evidence = evidence.Value;
        _logger = logger;
    }

    /// <summary>Probes table, blob and the Durable backend in parallel; 200 healthy or 503 with what failed (JSON).</summary>
    public async Task<IResult> GetAsync(DurableTaskClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var probes = await Task.WhenAll(
            ProbeAsync("table", async ct =>
            {
                var incidents = _storage.IncidentsTable;
                await foreach (var _ in _tables.QueryAsync(t => t.Name == incidents, maxPerPage: 1, cancellationToken: ct).ConfigureAwait(false))
                {
                    break;
                }
            }, cancellationToken),
            ProbeAsync("blob", async ct => await _blobs.GetBlobContainerClient(_evidence.EvidenceContainer).ExistsAsync(ct).ConfigureAwait(false), cancellationToken),
            ProbeAsync("durable", async ct => await client.GetInstanceAsync(ProbeInstanceId, getInputsAndOutputs: false, ct).ConfigureAwait(false), cancellationToken)).ConfigureAwait(false);

        var failed = probes.Where(p => !p.Healthy).Select(p => p.Part).ToArray();
        foreach (var probe in probes.Where(p => !p.Healthy))
        {
            Log.HealthProbeFailed(_logger, probe.Part, probe.Error!);
        }

        var body = new
        {
            status = failed.Length == 0 ? "healthy" : "unhealthy",
            failed,
            checks = probes.ToDictionary(p => p.Part, p => new { healthy = p.Healthy, milliseconds = p.Milliseconds, error = p.Error }),
        };
        return new NoStoreResult(Results.Json(body, statusCode: failed.Length == 0 ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable));
    }

    private static async Task<Probe> ProbeAsync(string part, Func<CancellationToken, Task> probe, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ProbeTimeout);
        try
        {
            // WaitAsync: an SDK call that ignores the token (a hung connection) still cannot hold the answer.
            await probe(timeout.Token).WaitAsync(ProbeTimeout, cancellationToken).ConfigureAwait(false);
            return new Probe(part, true, watch.ElapsedMilliseconds, null);
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            return new Probe(part, false, watch.ElapsedMilliseconds, $"timed out after {ProbeTimeout.TotalSeconds:0} s");
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // The type only: messages can carry endpoints and request ids.
            return new Probe(part, false, watch.ElapsedMilliseconds, "unreachable (" + ex.GetType().Name + ")");
        }
    }

    private sealed record Probe(string Part, bool Healthy, long Milliseconds, string? Error);

    // Health answers are never cached by a proxy: each GET must probe.
    private sealed class NoStoreResult(IResult inner) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            ArgumentNullException.ThrowIfNull(httpContext);
            httpContext.Response.Headers.CacheControl = "no-store";
            return inner.ExecuteAsync(httpContext);
        }
    }
}
