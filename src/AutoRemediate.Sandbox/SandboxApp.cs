using System.Security.Cryptography.X509Certificates;
using AutoRemediate.Sandbox.Arm;
using AutoRemediate.Sandbox.State;

namespace AutoRemediate.Sandbox;

/// <summary>How to host the Sandbox: standalone (<c>dotnet run</c>) or inside the DevHost and tests.</summary>
public sealed class SandboxHostOptions
{
    /// <summary>Where to listen; HTTPS only, because callers send bearer tokens.</summary>
    public string Urls { get; init; } = "https://127.0.0.1:7443";

    /// <summary>The server certificate; a fresh self-signed one when null.</summary>
    public X509Certificate2? Certificate { get; init; }

    /// <summary>The apps file; the bundled <c>sandbox.apps.json</c> when null.</summary>
    public string? AppsPath { get; init; }
}

/// <summary>
/// A simulated App Service: the ARM (and later Kudu) routes the pipeline calls, over HTTPS, refusing
/// requests without a bearer token as ARM does, with a request log tests can assert on.
/// </summary>
public static class SandboxApp
{
    /// <summary>Builds the Sandbox web application (not started).</summary>
    public static WebApplication Create(SandboxHostOptions options, string[]? args = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = args ?? [],
            ContentRootPath = AppContext.BaseDirectory,
            ApplicationName = typeof(SandboxApp).Assembly.GetName().Name,
        });
        var certificate = options.Certificate ?? SandboxCertificate.CreateSelfSigned();
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureHttpsDefaults(https => https.ServerCertificate = certificate));
        if (builder.Configuration["urls"] is null)
        {
            builder.WebHost.UseUrls(options.Urls);
        }

        var appsPath = options.AppsPath ?? Path.Combine(AppContext.BaseDirectory, "sandbox.apps.json");
        builder.Services.AddSingleton(SandboxState.Load(appsPath));
        builder.Services.AddSingleton<RequestLog>();
        builder.Services.AddSingleton(new SandboxCertificateInfo(certificate));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);

        var app = builder.Build();
        app.Use(RecordAndAuthenticate);
        SiteRoutes.Map(app);
        app.MapGet("/sandbox/apps", (SandboxState state) => state.Apps.Select(a => new
        {
            resourceId = a.ResourceId,
            name = a.Name,
            planResourceId = a.PlanResourceId,
            scenario = a.Scenario,
            state = a.State,
            instanceCount = a.InstanceCount,
        }));
        app.MapGet("/sandbox/requests", (RequestLog log) => log.Snapshot());
        return app;
    }

    // ARM and Kudu refuse a request without a bearer token with 401; so does the Sandbox. The
    // /sandbox/* control routes are open: they are the test harness's, not Azure's.
    private static async Task RecordAndAuthenticate(HttpContext context, RequestDelegate next)
    {
        var path = context.Request.Path.Value ?? string.Empty;
        var authorization = context.Request.Headers.Authorization.ToString();
        var hasBearer = authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && authorization.Length > "Bearer ".Length;
        var isArm = path.StartsWith("/subscriptions/", StringComparison.OrdinalIgnoreCase);
        try
        {
            if (isArm && !hasBearer)
            {
                context.Response.Headers.WWWAuthenticate = "Bearer authorization_uri=\"https://login.microsoftonline.com/common\", error=\"invalid_token\"";
                await ArmErrors.Create(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.").ExecuteAsync(context);
                return;
            }

            if (isArm && string.IsNullOrEmpty(context.Request.Query["api-version"]))
            {
                await ArmErrors.Create(400, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.").ExecuteAsync(context);
                return;
            }

            await next(context);
        }
        finally
        {
            if (!path.StartsWith("/sandbox/", StringComparison.OrdinalIgnoreCase))
            {
                context.RequestServices.GetRequiredService<RequestLog>()
                    .Add(context.Request.Method, path, context.Request.QueryString.Value ?? string.Empty, context.Response.StatusCode, hasBearer);
            }
        }
    }
}

/// <summary>The certificate the Sandbox serves, so hosts can print and pin its thumbprint.</summary>
public sealed record SandboxCertificateInfo(X509Certificate2 Certificate)
{
    public string Sha256Thumbprint => SandboxCertificate.Sha256Thumbprint(Certificate);
}
