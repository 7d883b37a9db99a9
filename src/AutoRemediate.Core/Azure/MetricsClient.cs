using System.Xml;

namespace AutoRemediate.Azure;

/// <summary>Reads Azure Monitor platform metrics (Microsoft.Insights). Every error status is a <see cref="global::Azure.RequestFailedException"/>.</summary>
public interface IMetricsClient
{
    /// <summary>Reads Azure Monitor metrics of a site or plan.</summary>
    Task<IReadOnlyList<MetricSeries>> GetMetricsAsync(string resourceId, MetricsQuery query, CancellationToken cancellationToken = default);
}

/// <summary>
/// <see cref="IMetricsClient"/> on the shared <see cref="ArmPipeline"/>. Route and api-version per the
/// Microsoft.Insights metrics spec (<see cref="AzureOptions.MetricsApiVersion"/>).
/// </summary>
public sealed class MetricsClient : IMetricsClient
{
    private readonly ArmPipeline _arm;

    /// <summary>Creates the client.</summary>
    public MetricsClient(ArmPipeline arm)
    {
        _arm = arm;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<MetricSeries>> GetMetricsAsync(string resourceId, MetricsQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var id = ArmIds.Parse(resourceId).EscapedPath;
        var parameters = new List<(string, string)>
        {
            // The end rounded up to the second: cut down, a query made in the first second of a minute
            // would leave out that minute, which a 1-minute rule's window is.
            ("timespan", $"{query.Start.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}/{CeilingToSecond(query.End.UtcDateTime):yyyy-MM-ddTHH:mm:ssZ}"),
            ("interval", XmlConvert.ToString(query.Interval)),
            ("metricnames", string.Join(',', query.MetricNames)),
            ("aggregation", string.Join(',', query.Aggregations)),
        };
        if (query.SplitByInstance)
        {
            parameters.Add(("$filter", "Instance eq '*'"));
        }

        var body = await _arm.Rest.GetJsonAsync(_arm.Url(id + "/providers/Microsoft.Insights/metrics", _arm.Options.MetricsApiVersion, [.. parameters]), cancellationToken).ConfigureAwait(false);
        return MetricsParsing.Parse(body);
    }

    /// <summary><paramref name="at"/> rounded up to the whole second (unchanged when it is one).</summary>
    internal static DateTime CeilingToSecond(DateTime at) =>
        at.Ticks % TimeSpan.TicksPerSecond == 0 ? at : new DateTime(at.Ticks - (at.Ticks % TimeSpan.TicksPerSecond) + TimeSpan.TicksPerSecond, at.Kind);
}
