using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using AutoRemediate.Sandbox.State;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace AutoRemediate.Sandbox.Tests;

/// <summary>
/// A Sandbox on a free HTTPS loopback port (the SandboxFixture pattern, without the shared Testing
/// project), with clients that pin its certificate by thumbprint. Each test that changes state starts its own.
/// </summary>
internal sealed class SandboxHost : IAsyncDisposable
{
    public const string Subscription = "11111111-2222-3333-4444-555555555555";
    public const string ResourceGroup = "rg-shop-prod";
    public const string Api = "api-version=2025-05-01";
    public const string MetricsApi = "api-version=2023-10-01";

    private readonly WebApplication _app;
    private readonly List<HttpClient> _clients = [];

    private SandboxHost(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public string Thumbprint => _app.Services.GetRequiredService<SandboxCertificateInfo>().Sha256Thumbprint;

    public SandboxState State => _app.Services.GetRequiredService<SandboxState>();

    public RequestLog Requests => _app.Services.GetRequiredService<RequestLog>();

    public static string Site(string name) => $"/subscriptions/{Subscription}/resourceGroups/{ResourceGroup}/providers/Microsoft.Web/sites/{name}";

    public static string Plan(string name) => $"/subscriptions/{Subscription}/resourceGroups/{ResourceGroup}/providers/Microsoft.Web/serverfarms/{name}";

    public static async Task<SandboxHost> StartAsync(TimeProvider? time = null)
    {
        var app = SandboxApp.Create(new SandboxHostOptions { Urls = "https://127.0.0.1:0", TimeProvider = time });
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return new SandboxHost(app, address);
    }

    /// <summary>A client that trusts only this Sandbox's certificate; cookies are not kept (tests set ARRAffinity themselves).</summary>
    public HttpClient Client(string? bearer = "any-token")
    {
        var thumbprint = Thumbprint;
        var handler = new SocketsHttpHandler { UseCookies = false };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            certificate is not null && string.Equals(Convert.ToHexString(SHA256.HashData(certificate.GetRawCertData())), thumbprint, StringComparison.OrdinalIgnoreCase);
        var client = new HttpClient(handler) { BaseAddress = Address, Timeout = TimeSpan.FromMinutes(5) };
        if (bearer is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        _clients.Add(client);
        return client;
    }

    public async Task<JsonNode> GetJsonAsync(string pathAndQuery, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var response = await Client().GetAsync(pathAndQuery);
        var text = await response.Content.ReadAsStringAsync();
        Assert.AreEqual(expected, response.StatusCode, $"GET {pathAndQuery}: {text}");
        return JsonNode.Parse(text)!;
    }

    public async Task<JsonObject> AppAsync(string name)
    {
        var apps = (await Client(null).GetFromJsonAsync<JsonArray>("/sandbox/apps"))!;
        return apps.Single(a => a!["name"]!.GetValue<string>() == name)!.AsObject();
    }

    public async Task<string> AddFaultAsync(object fault)
    {
        using var response = await Client(null).PostAsJsonAsync("/sandbox/faults", fault);
        Assert.AreEqual(HttpStatusCode.Created, response.StatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
    }

    public async Task<IReadOnlyList<string>> InstanceIdsAsync(string site) =>
        [.. (await GetJsonAsync($"{Site(site)}/instances?{Api}"))["value"]!.AsArray().Select(i => i!["name"]!.GetValue<string>())];

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>A clock the test moves by hand.</summary>
internal sealed class ManualClock : TimeProvider
{
    private long _ticks;

    public ManualClock(DateTimeOffset start)
    {
        _ticks = start.UtcTicks;
    }

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}

/// <summary>The REST spec examples in SpecExamples/ (provenance in SpecExamples/SOURCES.md) and the shape comparison.</summary>
internal static class Spec
{
    public static JsonNode Example(string file) => JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "SpecExamples", file)))!;

    public static JsonNode Body(string file, string status = "200") => Example(file)["responses"]![status]!["body"]!.DeepClone();

    /// <summary>
    /// Every property the Sandbox sends exists in the spec example with the same JSON kind (recursively;
    /// arrays compare their first items), so a client written against the Sandbox reads real Azure the same way.
    /// </summary>
    public static void AssertSameShape(JsonNode expected, JsonNode actual, string path = "$")
    {
        if (actual is JsonObject actualObject)
        {
            Assert.IsInstanceOfType<JsonObject>(expected, $"{path} is an object in the Sandbox but not in the spec example");
            foreach (var (name, value) in actualObject)
            {
                Assert.IsTrue(expected.AsObject().TryGetPropertyValue(name, out var expectedValue), $"{path}.{name} is not in the spec example");
                if (value is not null && expectedValue is not null)
                {
                    AssertSameShape(expectedValue, value, $"{path}.{name}");
                }
            }
        }
        else if (actual is JsonArray actualArray)
        {
            Assert.IsInstanceOfType<JsonArray>(expected, $"{path} is an array in the Sandbox but not in the spec example");
            if (actualArray.Count > 0 && expected.AsArray().Count > 0)
            {
                AssertSameShape(expected.AsArray()[0]!, actualArray[0]!, path + "[0]");
            }
        }
        else
        {
            var kind = actual.GetValueKind();
            var expectedKind = expected.GetValueKind();
            var bothBoolean = kind is System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False
                && expectedKind is System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False;
            Assert.IsTrue(bothBoolean || kind == expectedKind, $"{path}: Sandbox sends {kind}, the spec example has {expectedKind}");
        }
    }
}
