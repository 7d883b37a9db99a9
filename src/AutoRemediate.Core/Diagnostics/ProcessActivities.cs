using AutoRemediate.Azure;
using AutoRemediate.Evidence;
using AutoRemediate.Shared;
using Azure;

namespace AutoRemediate.Diagnostics;

/// <summary>Evidence from the processes on each instance (ARM proxies Kudu there). Read-only, so safe to run again.</summary>
public sealed class ProcessActivities
{
    // At most this many processes per instance are read in detail; the worker is among the first.
    private const int MaxProcessesPerInstance = 8;

    private readonly IAppServiceClient _appService;

    /// <summary>Creates the activities.</summary>
    public ProcessActivities(IAppServiceClient appService)
    {
        _appService = appService;
    }

    /// <summary>
    /// <see cref="ActivityNames.CollectProcesses"/>: the site's own processes on one instance
    /// (read in detail, because the list cannot tell the site's w3wp from Kudu's).
    /// </summary>
    public async Task<IReadOnlyList<WorkerProcess>> CollectProcessesAsync(ProcessesRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var list = await _appService.ListProcessesAsync(request.SiteResourceId, request.InstanceId, cancellationToken).ConfigureAwait(false);
        var workers = new List<WorkerProcess>();
        foreach (var entry in list.Take(MaxProcessesPerInstance))
        {
            ProcessDetails details;
            try
            {
                details = await _appService.GetProcessAsync(request.SiteResourceId, request.InstanceId, entry.Id, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                continue; // exited between the list and the read
            }

            if (!details.IsScmSite && !details.IsWebJob)
            {
                workers.Add(new WorkerProcess(request.InstanceId, details.Id, details.Name, details.WorkingSetBytes, details.PrivateMemoryBytes,
                    details.TotalCpuTime?.TotalSeconds, details.StartTime, details.MachineName));
            }
        }

        return workers;
    }
}
