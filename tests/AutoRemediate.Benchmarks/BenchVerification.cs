using System.Globalization;

/// <summary>
/// The verification schedule of the workflow benchmarks (and of the Durable floor's stand-in for it): a poll every
/// 2 s until healthy for 4 s (three polls) by default, so that a run ends in seconds; <c>BENCH_VERIFY_INTERVAL=60</c>
/// (seconds) polls as the workflow does by default in production (<c>Workflow:VerifyInterval</c> one minute), healthy
/// for two intervals. The storm's restarts all come within seconds, so with the production interval no health poll
/// runs while they are measured; with 2 s the first incidents' polls share the storm with the last ones' starts.
/// </summary>
internal static class BenchVerification
{
    public static TimeSpan Interval { get; } = int.TryParse(Environment.GetEnvironmentVariable("BENCH_VERIFY_INTERVAL"), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds is >= 1 and <= 300
        ? TimeSpan.FromSeconds(seconds)
        : TimeSpan.FromSeconds(2);

    public static TimeSpan HealthyFor => Interval * 2;

    /// <summary>Polls of a verification that finds the app healthy from its first poll: that one, then one an interval
    /// until it has been healthy for <see cref="HealthyFor"/> (three).</summary>
    public static int Polls => (int)(HealthyFor / Interval) + 1;

    public static TimeSpan Deadline => Interval * 30;
}
