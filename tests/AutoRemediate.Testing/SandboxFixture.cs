using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AutoRemediate.Azure;
using AutoRemediate.Sandbox;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace AutoRemediate.Testing;

/// <summary>A running Sandbox on a free HTTPS loopback port, with its certificate thumbprint to pin.</summary>
public sealed class SandboxFixture : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SandboxFixture(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>The Sandbox's base address.</summary>
    public Uri Address { get; }

    /// <summary>SHA-256 thumbprint of its self-signed certificate.</summary>
    public string Thumbprint => _app.Services.GetRequiredService<SandboxCertificateInfo>().Sha256Thumbprint;

    /// <summary>Its request log.</summary>
    public RequestLog Requests => _app.Services.GetRequiredService<RequestLog>();

    /// <summary>Starts a Sandbox.</summary>
    public static async Task<SandboxFixture> StartAsync()
    {
        var app = SandboxApp.Create(new SandboxHostOptions { Urls = "https://127.0.0.1:0" });
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return new SandboxFixture(app, address);
    }

    /// <summary>An HttpClient that trusts this Sandbox's certificate (and nothing else extra).</summary>
    public HttpClient CreateClient()
    {
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = LoopbackCertificateTrust.Create(Thumbprint);
        return new HttpClient(handler) { BaseAddress = Address };
    }

    /// <summary>Injects a fault (see the Sandbox's /sandbox/faults).</summary>
    public async Task AddFaultAsync(object fault)
    {
        using var client = CreateClient();
        using var response = await client.PostAsJsonAsync("/sandbox/faults", fault);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Back to the initial apps, no faults, an empty request log.</summary>
    public async Task ResetAsync()
    {
        using var client = CreateClient();
        using var response = await client.PostAsync("/sandbox/reset", content: null);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>One simulated app as /sandbox/apps describes it (counters, instances, plan).</summary>
    public async Task<JsonObject> AppAsync(string name)
    {
        using var client = CreateClient();
        var apps = await client.GetFromJsonAsync<JsonArray>("/sandbox/apps");
        return apps!.Single(a => string.Equals(a!["name"]!.GetValue<string>(), name, StringComparison.OrdinalIgnoreCase))!.AsObject();
    }

    /// <summary>The mails its ACS Email routes accepted, oldest first (see the Sandbox's /sandbox/emails).</summary>
    public async Task<JsonArray> EmailsAsync()
    {
        using var client = CreateClient();
        return (await client.GetFromJsonAsync<JsonArray>("/sandbox/emails"))!;
    }

    /// <summary>Mail settings that send through this Sandbox's ACS Email routes (sender on its linked domain).</summary>
    public IReadOnlyDictionary<string, string?> AcsMailSettings() => new Dictionary<string, string?>
    {
        ["Mail:Provider"] = "AcsEmail",
        ["Mail:AcsEndpoint"] = Address.ToString(),
        ["Mail:From"] = "DoNotReply@sandbox.azurecomm.net",
        ["Mail:AcsPollInterval"] = "00:00:00.050",
    };

    /// <summary>The resource id of a simulated app.</summary>
    public static string SiteId(string name) =>
        $"/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-shop-prod/providers/Microsoft.Web/sites/{name}";

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
