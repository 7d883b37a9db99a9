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
        handler.SslOptions.RemoteCertificateValidationCallback = AutoRemediate.Azure.LoopbackCertificateTrust.Create(Thumbprint);
        return new HttpClient(handler) { BaseAddress = Address };
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
