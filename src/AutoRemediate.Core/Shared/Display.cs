using System.Globalization;
using Azure;

namespace AutoRemediate.Shared;

/// <summary>How ids, numbers and error texts appear in the words the pipeline writes (timeline, mail, API).</summary>
public static class Display
{
    /// <summary>How many characters of a long id (an instance id is 64 hex digits) are shown.</summary>
    public const int ShortIdLength = 8;

    /// <summary>
    /// The first <see cref="ShortIdLength"/> characters of an id: enough to tell the instances of one app
    /// apart, and the same everywhere (timeline, dump blob names), so one can be matched to the other.
    /// </summary>
    public static string ShortId(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        return id.Length > ShortIdLength ? id[..ShortIdLength] : id;
    }

    /// <summary>The first line of an error message, at most 200 characters: service errors can be long and multi-line.</summary>
    public static string FirstLine(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var line = message.Split('\n', 2)[0].Trim();
        return line.Length > 200 ? line[..200] + "…" : line;
    }

    /// <summary>
    /// Why a dependency call failed, in a few words for the timeline: the status and error code of a
    /// service error (also when an SDK wraps one in an <see cref="AggregateException"/>), otherwise the first
    /// line of the message.
    /// </summary>
    public static string Failure(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception switch
        {
            RequestFailedException { Status: > 0 } r => Status(r),
            AggregateException { InnerExceptions: [RequestFailedException { Status: > 0 } r, ..] } => Status(r),
            _ => FirstLine(exception.Message),
        };

        static string Status(RequestFailedException r) =>
            string.IsNullOrEmpty(r.ErrorCode) ? r.Status.ToString(CultureInfo.InvariantCulture) : $"{r.Status} {r.ErrorCode}";
    }

    /// <summary>A whole number, invariant culture ("n/a" when missing).</summary>
    public static string Number(double? value) => value is { } v ? v.ToString("0", CultureInfo.InvariantCulture) : "n/a";

    /// <summary>A percentage, "87%" ("n/a" when missing).</summary>
    public static string Percent(double? value) => value is { } v ? v.ToString("0", CultureInfo.InvariantCulture) + "%" : "n/a";

    /// <summary>A span as minutes, or seconds under a minute: "15 min", "40 s".</summary>
    public static string Minutes(TimeSpan span) =>
        span.TotalMinutes >= 1 ? $"{span.TotalMinutes.ToString("0", CultureInfo.InvariantCulture)} min" : $"{span.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s";

    /// <summary>A period in the largest whole unit that fits: "7 days", "1 day", "36 hours", "90 min".</summary>
    public static string Period(TimeSpan span) =>
        span.TotalDays >= 1 && span.TotalDays == Math.Floor(span.TotalDays) ? Plural((int)span.TotalDays, "day")
        : span.TotalHours >= 1 && span.TotalHours == Math.Floor(span.TotalHours) ? Plural((int)span.TotalHours, "hour")
        : Minutes(span);

    /// <summary>Bytes as MiB: "1,024 MiB".</summary>
    public static string Mib(long bytes) => $"{(bytes / (1024.0 * 1024)).ToString("N0", CultureInfo.InvariantCulture)} MiB";

    private static string Plural(int count, string unit) => count.ToString(CultureInfo.InvariantCulture) + " " + unit + (count == 1 ? string.Empty : "s");
}
