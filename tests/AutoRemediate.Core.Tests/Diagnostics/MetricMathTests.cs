using AutoRemediate.Azure;
using AutoRemediate.Diagnostics;

namespace AutoRemediate.Core.Tests.Diagnostics;

[TestClass]
public sealed class MetricMathTests
{
    private static readonly DateTimeOffset s_t0 = new(2026, 11, 30, 10, 0, 0, TimeSpan.Zero);

    // CpuPercentage i1: the latest point has only an Average; the one before has every aggregation.
    private static readonly MetricSeries[] s_series =
    [
        new("CpuPercentage", "Percent", "i1", [Point(0, 10, 100, 15, 5, 3), Point(1, 20, null, null, null, null)]),
        new("CpuPercentage", "Percent", "i2", [Point(0, 70, null, null, null, null)]),
        new("Http5xx", "Count", null, [Point(0, null, 4, null, null, null), Point(1, null, null, null, null, null)]),
        new("MemoryPercentage", "Percent", "i1", []),
    ];

    private static MetricPoint Point(int minute, double? average, double? total, double? maximum, double? minimum, double? count) =>
        new(s_t0.AddMinutes(minute), average, total, maximum, minimum, count);

    [TestMethod]
    [DataRow("CpuPercentage", "i1", "Average", 20.0, DisplayName = "latest average")]
    [DataRow("CpuPercentage", "I1", "average", 20.0, DisplayName = "instance and aggregation in any case")]
    [DataRow("cpupercentage", "i2", "Average", 70.0, DisplayName = "metric in any case, the instance's own series")]
    [DataRow("CpuPercentage", "i1", "Total", 100.0, DisplayName = "latest point lacks Total: the one before")]
    [DataRow("CpuPercentage", "i1", "Maximum", 15.0, DisplayName = "maximum")]
    [DataRow("CpuPercentage", "i1", "Minimum", 5.0, DisplayName = "minimum")]
    [DataRow("CpuPercentage", "i1", "Count", 3.0, DisplayName = "count")]
    [DataRow("CpuPercentage", "i1", "P95", 20.0, DisplayName = "unknown aggregation reads Average")]
    [DataRow("CpuPercentage", null, "Average", 20.0, DisplayName = "no instance: the first series of the metric")]
    [DataRow("Http5xx", null, "Total", 4.0, DisplayName = "missing latest point: the last one that has it")]
    [DataRow("Http5xx", null, "Average", null, DisplayName = "no point has the aggregation")]
    [DataRow("MemoryPercentage", "i1", "Average", null, DisplayName = "series without points")]
    [DataRow("CpuPercentage", "i3", "Average", null, DisplayName = "unknown instance")]
    [DataRow("Requests", null, "Total", null, DisplayName = "unknown metric")]
    public void Latest_Series_LatestValueOfTheAggregation(string metric, string? instance, string aggregation, double? expected)
    {
        Assert.AreEqual(expected, MetricMath.Latest(s_series, metric, instance, aggregation));
    }

    [TestMethod]
    public void Latest_NoSeries_Null() => Assert.IsNull(MetricMath.Latest([], "CpuPercentage", null, "Average"));

    [TestMethod]
    [DataRow(5.0, "GreaterThan", 4.0, true)]
    [DataRow(4.0, "GreaterThan", 4.0, false)]
    [DataRow(4.0, "GreaterThanOrEqual", 4.0, true)]
    [DataRow(3.9, "GreaterThanOrEqual", 4.0, false)]
    [DataRow(3.0, "LessThan", 4.0, true)]
    [DataRow(4.0, "LessThan", 4.0, false)]
    [DataRow(4.0, "LessThanOrEqual", 4.0, true)]
    [DataRow(4.1, "LessThanOrEqual", 4.0, false)]
    [DataRow(4.0, "Equals", 4.0, true)]
    [DataRow(4.0000000001, "Equals", 4.0, true, DisplayName = "Equals within 1e-9")]
    [DataRow(4.1, "Equals", 4.0, false)]
    [DataRow(5.0, "greaterthan", 4.0, true, DisplayName = "operator in any case")]
    [DataRow(50.0, "GreaterOrLessThan", 4.0, false, DisplayName = "dynamic threshold: never counted")]
    [DataRow(50.0, "NotEquals", 4.0, true, DisplayName = "NotEquals, a static operator Azure Monitor has")]
    [DataRow(4.0, "NotEquals", 4.0, false, DisplayName = "NotEquals on the threshold")]
    [DataRow(50.0, "Between", 4.0, false, DisplayName = "unknown operator: never counted")]
    [DataRow(50.0, null, 4.0, false, DisplayName = "no operator: never counted")]
    public void Breaches_OperatorAndThreshold_WhetherTheConditionHolds(double value, string? op, double threshold, bool expected)
    {
        Assert.AreEqual(expected, MetricMath.Breaches(value, op, threshold));
    }

    // Http5xx, 1-minute points: a spike in minute 0, quiet minutes 1 to 3 (minute 2 without a Total),
    // some errors in minute 4, and a big minute 5. Evaluated at 4:30, a 5-minute window holds minutes 0 to 4
    // (minute 4 in progress); from minute 5 on it no longer holds minute 0.
    private static readonly MetricSeries[] s_window =
    [
        new("Http5xx", "Count", null,
        [
            Point(0, 40, 40, 50, 30, 2),
            Point(1, 0, 0, 0, 0, 1),
            Point(2, 0, null, 0, 0, 1),
            Point(3, 0, 0, 0, 0, 1),
            Point(4, 10, 10, 12, 8, 1),
            Point(5, 1000, 1000, 1000, 1000, 1),
        ]),
    ];

    [TestMethod]
    [DataRow("Total", 4.5, 5, 50.0, DisplayName = "Total: the sum of the window's minutes")]
    [DataRow("total", 4.5, 5, 50.0, DisplayName = "aggregation in any case")]
    [DataRow("Average", 4.5, 5, 10.0, DisplayName = "Average: the mean of the minutes' averages")]
    [DataRow("Maximum", 4.5, 5, 50.0, DisplayName = "Maximum: the largest maximum")]
    [DataRow("Minimum", 4.5, 5, 0.0, DisplayName = "Minimum: the smallest minimum")]
    [DataRow("Count", 4.5, 5, 6.0, DisplayName = "Count: the sum of the counts")]
    [DataRow("P95", 4.5, 5, 10.0, DisplayName = "unknown aggregation reads Average")]
    [DataRow("Total", 4.5, 1, 10.0, DisplayName = "a one-minute window is the minute in progress")]
    [DataRow("Total", 5.5, 5, 1010.0, DisplayName = "the minute in progress counts as far as it goes")]
    [DataRow("Total", 5.0, 5, 1010.0, DisplayName = "a window ending at minute 5 holds minutes 1 to 5: the spike has left it")]
    [DataRow("Total", 4.5, 15, 50.0, DisplayName = "a window longer than the series: what there is")]
    [DataRow("Total", 30.0, 5, null, DisplayName = "no point in the window")]
    public void OverWindow_Series_AggregatesTheWindowAsAzureMonitorDoes(string aggregation, double endMinute, int windowMinutes, double? expected)
    {
        Assert.AreEqual(expected, MetricMath.OverWindow(s_window, "http5xx", aggregation, s_t0.AddMinutes(endMinute), TimeSpan.FromMinutes(windowMinutes)));
    }

    [TestMethod]
    public void OverWindow_UnknownMetric_Null() => Assert.IsNull(MetricMath.OverWindow(s_window, "Requests", "Total", s_t0.AddMinutes(5), TimeSpan.FromMinutes(5)));

    [TestMethod]
    public void OverWindow_FiveMinuteTotalSpikeThenQuietMinutes_StillBreaches()
    {
        // "Http5xx Total > 50 over PT5M": 60 errors, then four quiet minutes. The latest minute alone looks clear.
        MetricSeries[] series = [new("Http5xx", "Count", null, [Point(0, null, 60, null, null, null), .. Enumerable.Range(1, 4).Select(m => Point(m, null, 0, null, null, null))])];

        var overWindow = MetricMath.OverWindow(series, "Http5xx", "Total", s_t0.AddMinutes(4.5), MetricMath.DefaultWindow);

        Assert.AreEqual(60.0, overWindow);
        Assert.IsTrue(MetricMath.Breaches(overWindow!.Value, "GreaterThan", 50));
        Assert.IsFalse(MetricMath.Breaches(MetricMath.Latest(series, "Http5xx", null, "Total")!.Value, "GreaterThan", 50), "the latest minute alone reads as recovered");
    }

    [TestMethod]
    [DataRow("MemoryPercent", 81.0, DisplayName = "memory from the plan")]
    [DataRow("CpuPercent", 35.0, DisplayName = "CPU from the plan")]
    [DataRow("Http5xx", 12.0, DisplayName = "5xx from the site, Total")]
    [DataRow("HealthPercent", 0.0, DisplayName = "health check from the site")]
    [DataRow("WorkingSetBytes", 900.0, DisplayName = "working set from the site")]
    public void PerInstance_SiteAndPlanSeries_EachFigureFromItsSource(string figure, double expected)
    {
        MetricSeries[] site =
        [
            new("Http5xx", "Count", "i1", [Point(0, 1, 12, null, null, null)]),
            new("HealthCheckStatus", "Percent", "i1", [Point(0, 0, null, null, null, null)]),
            new("MemoryWorkingSet", "Bytes", "i1", [Point(0, 900, null, null, null, null)]),
            // A site metric named like a plan one is not read for the plan figures.
            new("MemoryPercentage", "Percent", "i1", [Point(0, 5, null, null, null, null)]),
        ];
        MetricSeries[] plan =
        [
            new("MemoryPercentage", "Percent", "i1", [Point(0, 81, null, null, null, null)]),
            new("CpuPercentage", "Percent", "i1", [Point(0, 35, null, null, null, null)]),
        ];

        var instance = MetricMath.PerInstance(site, plan).Single();

        var value = figure switch
        {
            "MemoryPercent" => instance.MemoryPercent,
            "CpuPercent" => instance.CpuPercent,
            "Http5xx" => instance.Http5xx,
            "HealthPercent" => instance.HealthPercent,
            _ => instance.WorkingSetBytes,
        };
        Assert.AreEqual(expected, value);
    }

    [TestMethod]
    public void PerInstance_InstancesInSeveralSeries_EachOnceInOrdinalOrderWithoutFiguresItLacks()
    {
        MetricSeries[] site =
        [
            new("Http5xx", "Count", "b-instance", [Point(0, null, 3, null, null, null)]),
            new("Http5xx", "Count", "A-instance", [Point(0, null, 1, null, null, null)]),
            new("Requests", "Count", null, [Point(0, null, 50, null, null, null)]),
        ];
        MetricSeries[] plan = [new("CpuPercentage", "Percent", "B-INSTANCE", [Point(0, 90, null, null, null, null)])];

        var instances = MetricMath.PerInstance(site, plan);

        CollectionAssert.AreEqual(new[] { "A-instance", "b-instance" }, instances.Select(i => i.InstanceId).ToArray());
        Assert.AreEqual(90.0, instances[1].CpuPercent, "the plan's series of the same instance in another case");
        Assert.IsNull(instances[0].CpuPercent);
        Assert.IsNull(instances[0].HealthPercent);
    }
}
