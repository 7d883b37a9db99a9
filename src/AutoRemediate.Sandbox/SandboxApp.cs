using System.Security.Cryptography.X509Certificates;
using System.Text;
using AutoRemediate.Sandbox.Arm;
using AutoRemediate.Sandbox.Control;
using AutoRemediate.Sandbox.Email;
using AutoRemediate.Sandbox.Faults;
using AutoRemediate.Sandbox.Kudu;
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

    /// <summary>
    /// The Sandbox's clock (process start times, metrics, operation and autoscale timing);
    /// <see cref="TimeProvider.System"/> when null. Simulated latency (synchronous restart, fault
    /// delays) waits on real time so a frozen test clock cannot hang a request.
    /// </summary>
    public TimeProvider? TimeProvider { get; init; }
}

/// <summary>
/// A simulated, stateful App Service: the ARM routes (sites, instances, processes, plans, autoscale,
/// metrics, Resource Health, detectors, one alert's state), Azure Communication Services Email's send and
/// operation routes (<c>/emails*</c>), and every app's Kudu (SCM) site under <c>/scm/{site}</c>, over
/// HTTPS, refusing requests without a bearer token as Azure does, with fault injection, a request log
/// and control routes under <c>/sandbox/*</c> for tests.
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

        var time = options.TimeProvider ?? TimeProvider.System;
        var appsPath = options.AppsPath ?? Path.Combine(AppContext.BaseDirectory, "sandbox.apps.json");
        builder.Services.AddSingleton(time);
        builder.Services.AddSingleton(SandboxState.Load(appsPath, time));
        builder.Services.AddSingleton(new RequestLog(time));
        builder.Services.AddSingleton<FaultStore>();
        builder.Services.AddSingleton<AlertRegistry>();
        builder.Services.AddSingleton<EmailStore>();
        builder.Services.AddSingleton(new SandboxCertificateInfo(certificate));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);

        var app = builder.Build();
        app.Use(RecordAuthenticateAndInjectAsync);
        SiteRoutes.Map(app);
        InstanceRoutes.Map(app);
        PlanRoutes.Map(app);
        AutoscaleRoutes.Map(app);
        MetricsRoutes.Map(app);
        ResourceHealthRoutes.Map(app);
        DetectorRoutes.Map(app);
        AlertRoutes.Map(app);
        EmailRoutes.Map(app);
        KuduRoutes.Map(app);
        ControlRoutes.Map(app);
        app.MapFallback((HttpContext context) => IsArm(context.Request.Path)
            ? ArmErrors.Create(404, "InvalidResourceType", $"The resource type or route '{context.Request.Path}' could not be found (the Sandbox does not simulate it).")
            : Results.NotFound());
        return app;
    }

    private static bool IsArm(PathString path) => path.StartsWithSegments("/subscriptions", StringComparison.OrdinalIgnoreCase);

    // ARM and Kudu refuse a request without a bearer token with 401; so does the Sandbox (the SCM site also
    // takes HTTP Basic publishing credentials when the app's JSON enables them). ARM routes need api-version.
    // Then the first matching injected fault applies. The /sandbox/* control routes are open and not logged:
    // they are the test harness's, not Azure's.
    private static async Task RecordAuthenticateAndInjectAsync(HttpContext context, RequestDelegate next)
    {
        var path = context.Request.Path.Value ?? string.Empty;
        var authorization = context.Request.Headers.Authorization.ToString();
        var hasBearer = authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && authorization.Length > "Bearer ".Length;
        // ACS Email's data plane takes a bearer token and an api-version like ARM does.
        var isArm = IsArm(context.Request.Path) || context.Request.Path.StartsWithSegments(EmailRoutes.Prefix, StringComparison.OrdinalIgnoreCase)
            || path.StartsWith(EmailRoutes.Prefix + ":", StringComparison.OrdinalIgnoreCase);
        var isScm = context.Request.Path.StartsWithSegments(KuduRoutes.Prefix, StringComparison.OrdinalIgnoreCase);
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

            if (isScm && !hasBearer && !BasicAuthAccepted(context, path, authorization, out var basicEnabled))
            {
                context.Response.Headers.WWWAuthenticate = basicEnabled
                    ? new[] { "Bearer realm=\"scm\"", "Basic realm=\"site\"" }
                    : new[] { "Bearer realm=\"scm\"" };
                await Results.Text("401 - Unauthorized: Access is denied due to invalid credentials.", "text/plain", Encoding.UTF8, 401).ExecuteAsync(context);
                return;
            }

            if ((isArm || isScm) && await FaultMiddleware.ApplyAsync(context, context.RequestServices.GetRequiredService<FaultStore>()))
            {
                return;
            }

            await next(context);
        }
        finally
        {
            if (!path.StartsWith("/sandbox/", StringComparison.OrdinalIgnoreCase))
            {
                context.RequestServices.GetRequiredService<RequestLog>()
                    .Add(context.Request.Method, path, context.Request.QueryString.Value ?? string.Empty, context.Response.StatusCode, hasBearer, FaultMiddleware.AppliedFault(context)?.Id);
            }
        }
    }

    // HTTP Basic with the app's publishing credentials, only where the app's JSON has "basicAuth".
    private static bool BasicAuthAccepted(HttpContext context, string path, string authorization, out bool enabled)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var app = segments.Length > 1 ? context.RequestServices.GetRequiredService<SandboxState>().FindSiteByName(segments[1]) : null;
        var credentials = app?.BasicAuth;
        enabled = credentials is not null;
        if (credentials is null || !authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(authorization["Basic ".Length..].Trim()));
            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            return colon > 0
                && string.Equals(decoded[..colon], credentials.User, StringComparison.Ordinal)
                && string.Equals(decoded[(colon + 1)..], credentials.Password, StringComparison.Ordinal);
        }
        catch (FormatException)
        {
            return false;
        }
    }
}

/// <summary>The certificate the Sandbox serves, so hosts can print and pin its thumbprint.</summary>
public sealed record SandboxCertificateInfo(X509Certificate2 Certificate)
{
    public string Sha256Thumbprint => SandboxCertificate.Sha256Thumbprint(Certificate);
}
