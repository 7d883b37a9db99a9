using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using AutoRemediate.DevHost;

namespace AutoRemediate.Testing;

/// <summary>One mail as MailDev's REST API (GET /api/email) shows it.</summary>
public sealed record ReceivedMail(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("subject")] string? Subject,
    [property: JsonPropertyName("html")] string? Html,
    [property: JsonPropertyName("text")] string? Text,
    [property: JsonPropertyName("to")] IReadOnlyList<ReceivedAddress>? To);

/// <summary>An address in a received mail.</summary>
public sealed record ReceivedAddress([property: JsonPropertyName("address")] string Address, [property: JsonPropertyName("name")] string? Name);

/// <summary>
/// One MailDev per test run (per test assembly) on free loopback ports, started on first use and
/// stopped from the assembly cleanup; the guard process makes it die with the test host. A test may
/// stop it (the real process) and start it again on the same ports to see mail retried.
/// </summary>
public static class MailDevFixture
{
    private static readonly HttpClient s_http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private static readonly SemaphoreSlim s_gate = new(1, 1);
    private static MailDevLauncher? s_launcher;
    private static MailDevSettings? s_settings;

    /// <summary>The running MailDev.</summary>
    public static MailDevLauncher Launcher => s_launcher ?? throw new InvalidOperationException("MailDev is not running (MailDevFixture.StartAsync).");

    /// <summary>The ports, kept across a stop so a restart listens where the host sends.</summary>
    public static MailDevSettings Settings => s_settings ?? throw new InvalidOperationException("MailDevFixture.StartAsync was not called.");

    /// <summary>The settings that send mail here (Mail:Host, Mail:Port, Mail:UseTls).</summary>
    public static IReadOnlyDictionary<string, string?> MailSettings => new Dictionary<string, string?>
    {
        ["Mail:Host"] = MailDevLauncher.Host,
        ["Mail:Port"] = Settings.SmtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Mail:UseTls"] = "None",
    };

    /// <summary>Starts MailDev (on two free ports the first time, on the same ones after a stop).</summary>
    public static async Task StartAsync()
    {
        await s_gate.WaitAsync();
        try
        {
            if (s_launcher is not null)
            {
                return;
            }

            for (var attempt = 1; ; attempt++)
            {
                var settings = s_settings ?? FreeSettings();
                try
                {
                    s_launcher = await MailDevLauncher.StartAsync(settings);
                    s_settings = settings;
                    return;
                }
                catch (InvalidOperationException) when (attempt < 5 && s_settings is null)
                {
                    // A port race with another test assembly: pick new ports.
                }
            }
        }
        finally
        {
            s_gate.Release();
        }
    }

    /// <summary>Stops the real MailDev process (the ports are kept for a restart).</summary>
    public static async Task StopAsync()
    {
        await s_gate.WaitAsync();
        try
        {
            if (s_launcher is { } launcher)
            {
                s_launcher = null;
                await launcher.DisposeAsync();
            }
        }
        finally
        {
            s_gate.Release();
        }
    }

    private static MailDevSettings FreeSettings()
    {
        var ports = LoopbackPorts.Free(2);
        return new MailDevSettings(ports[0], ports[1]);
    }

    /// <summary>Every mail in the inbox, through MailDev's REST API.</summary>
    public static async Task<IReadOnlyList<ReceivedMail>> MailsAsync() =>
        await s_http.GetFromJsonAsync<List<ReceivedMail>>(new Uri(Launcher.Api, "email"), JsonSerializerOptions.Web) ?? [];

    /// <summary>The mails to <paramref name="address"/>, waiting up to <paramref name="timeout"/> for at least <paramref name="count"/>.</summary>
    public static async Task<IReadOnlyList<ReceivedMail>> WaitForMailsAsync(string address, int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var mails = (await MailsAsync()).Where(m => m.To?.Any(t => string.Equals(t.Address, address, StringComparison.OrdinalIgnoreCase)) == true).ToList();
            if (mails.Count >= count || DateTime.UtcNow > deadline)
            {
                return mails;
            }

            await Task.Delay(200);
        }
    }
}
