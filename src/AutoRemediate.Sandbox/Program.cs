using AutoRemediate.Sandbox;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

var app = SandboxApp.Create(new SandboxHostOptions(), args);
await app.StartAsync();
var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
var certificate = app.Services.GetRequiredService<SandboxCertificateInfo>();
Console.WriteLine($"Sandbox (simulated App Service) listening on {string.Join(", ", addresses)}");
Console.WriteLine($"Self-signed certificate SHA-256 thumbprint: {certificate.Sha256Thumbprint}");
Console.WriteLine("  pin it with Azure__SandboxCertificateThumbprint. ARM routes under /subscriptions/..., each app's SCM (Kudu) site under /scm/{site}.");
Console.WriteLine("  GET /sandbox/apps lists the apps, GET /sandbox/requests the request log; POST /sandbox/faults injects faults, POST /sandbox/reset starts over.");
await app.WaitForShutdownAsync();
