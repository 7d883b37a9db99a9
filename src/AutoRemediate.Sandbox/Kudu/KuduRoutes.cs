using System.Text;
using AutoRemediate.Sandbox.Arm;
using AutoRemediate.Sandbox.Processes;
using AutoRemediate.Sandbox.State;

namespace AutoRemediate.Sandbox.Kudu;

/// <summary>
/// Every app's SCM (Kudu) site, served under <c>/scm/{site}</c>: so the SCM base URL of an app is
/// <c>https://{sandbox}/scm/{site}</c> where Azure's is <c>https://{site}.scm.azurewebsites.net</c>.
/// A request lands on the instance named by the <c>ARRAffinity</c> cookie (the first instance without
/// it, or when the cookie names no current instance), and the answer sets the cookie, as ARR does.
/// Windows apps answer like Kudu (ProcessController); Linux apps like KuduLite's
/// LinuxProcessController: kill is refused with 400 "Not supported on Linux", and list/get/dump work
/// only with dotnet-monitor enabled (<c>"dotnetMonitor": true</c>), answering dotnet-monitor's JSON.
/// </summary>
internal static class KuduRoutes
{
    public const string Prefix = "/scm";
    private const string ProcessesPath = Prefix + "/{site}/api/processes";
    private const string NotSupportedOnLinux = "Not supported on Linux";
    private static readonly string[] s_linuxDumpTypes = ["Mini", "Full", "WithHeap", "Triage"];

    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet(ProcessesPath, (HttpContext context, string site, SandboxState state) =>
            WithInstance(context, state, site, (app, instance) =>
            {
                var processes = app.ProcessesOn(instance).All.OrderBy(p => p.Pid).Select(p => ProcessView.Create(app, instance, p, state.Now));
                if (app.IsLinux)
                {
                    return app.DotnetMonitor
                        ? Json(processes.Where(p => p.Role == ProcessRole.Worker).Select(p => p.ToDotnetMonitorSummary()))
                        : LinuxNotSupportedText();
                }

                return Json(processes.Select(p => p.ToKuduSummary(ArmJson.ScmBase(context.Request, app))));
            }));

        routes.MapGet(ProcessesPath + "/{id:int}", (HttpContext context, string site, int id, SandboxState state) =>
            WithInstance(context, state, site, (app, instance) =>
            {
                if (app.IsLinux && !app.DotnetMonitor)
                {
                    return LinuxNotSupportedText();
                }

                var process = Find(app, instance, id);
                if (process is null)
                {
                    return NotFound(app, id);
                }

                var view = ProcessView.Create(app, instance, process, state.Now);
                return Json(app.IsLinux ? view.ToDotnetMonitorDetails() : view.ToKuduDetails(ArmJson.ScmBase(context.Request, app)));
            }));

        // Kudu kills the process and its children; the platform starts a new worker (new pid, memory reset).
        routes.MapDelete(ProcessesPath + "/{id:int}", (HttpContext context, string site, int id, SandboxState state) =>
            WithInstance(context, state, site, (app, instance) =>
            {
                if (app.IsLinux)
                {
                    // KuduLite: Response.StatusCode = 400; return new JsonResult("Not supported on Linux").
                    return Results.Json(NotSupportedOnLinux, statusCode: StatusCodes.Status400BadRequest);
                }

                var process = Find(app, instance, id);
                if (process is null)
                {
                    return NotFound(app, id);
                }

                app.Kill(instance, process.Pid, state.Now);
                return Results.NoContent();
            }));

        routes.MapGet(ProcessesPath + "/{id:int}/dump", DumpAsync);
    }

    // Windows: ?dumpType={MINIDUMP_TYPE flags}&format=raw|zip. Linux (dotnet-monitor): ?type=Mini|Full|WithHeap|Triage.
    private static async Task DumpAsync(HttpContext context, string site, int id, SandboxState state)
    {
        DumpPlan? plan = null;
        var result = WithInstance(context, state, site, (app, instance) =>
        {
            var query = context.Request.Query;
            if (app.IsLinux)
            {
                if (!app.DotnetMonitor)
                {
                    return LinuxNotSupportedText();
                }

                var type = query["type"].ToString();
                if (type.Length > 0 && !s_linuxDumpTypes.Contains(type, StringComparer.OrdinalIgnoreCase))
                {
                    return DotnetMonitorProblem($"The value '{type}' is not valid for type (Mini, Full, WithHeap, Triage).");
                }
            }
            else
            {
                var format = query["format"].ToString();
                if (format.Length > 0 && !format.Equals("raw", StringComparison.OrdinalIgnoreCase) && !format.Equals("zip", StringComparison.OrdinalIgnoreCase))
                {
                    return Results.Json(new { Message = $"Dump format '{format}' is not supported. Use raw or zip." }, ArmJson.Options, statusCode: StatusCodes.Status400BadRequest);
                }

                if (query["dumpType"].ToString() is { Length: > 0 } dumpType && !int.TryParse(dumpType, out _))
                {
                    return Results.Json(new { Message = $"dumpType '{dumpType}' is not a MINIDUMP_TYPE value." }, ArmJson.Options, statusCode: StatusCodes.Status400BadRequest);
                }
            }

            var process = Find(app, instance, id);
            if (process is null)
            {
                return NotFound(app, id);
            }

            var zip = !app.IsLinux && query["format"].ToString().Equals("zip", StringComparison.OrdinalIgnoreCase);
            plan = InstanceRoutes.CreateDumpPlan(context, app, instance, process, state.Now, zip);
            if (zip && !DumpWriter.FitsInZip(plan))
            {
                plan = null;
                return Results.Json(new { Message = "The Sandbox writes zip dumps below 4 GiB only; use format=raw." }, ArmJson.Options, statusCode: StatusCodes.Status400BadRequest);
            }

            return Results.Empty;
        });
        if (plan is null)
        {
            await result.ExecuteAsync(context);
            return;
        }

        await DumpWriter.WriteAsync(context, plan);
    }

    private static IResult WithInstance(HttpContext context, SandboxState state, string site, Func<SimulatedApp, SimulatedInstance, IResult> action)
    {
        var app = state.FindSiteByName(site);
        if (app is null)
        {
            return Results.Text($"The site '{site}' does not exist.", "text/plain", statusCode: StatusCodes.Status404NotFound);
        }

        lock (app.Plan.Gate)
        {
            app.Plan.Refresh(state.Now);
            var instances = app.Plan.Instances;
            var affinity = context.Request.Cookies["ARRAffinity"];
            var instance = instances.FirstOrDefault(i => string.Equals(i.Id, affinity, StringComparison.OrdinalIgnoreCase)) ?? instances[0];
            context.Response.Cookies.Append("ARRAffinity", instance.Id, new CookieOptions { Path = "/", HttpOnly = true, Secure = true });
            return action(app, instance);
        }
    }

    /// <summary>Id 0 is the site's main worker (w3wp) on Windows.</summary>
    private static SimulatedProcess? Find(SimulatedApp app, SimulatedInstance instance, int id)
    {
        var processes = app.ProcessesOn(instance);
        return id == 0 && !app.IsLinux ? processes.Worker : processes.Find(id);
    }

    private static IResult NotFound(SimulatedApp app, int id) => app.IsLinux
        ? DotnetMonitorProblem("Unable to discover a target process.")
        : Results.Json(new { Message = $"Cannot find process {id}." }, ArmJson.Options, statusCode: StatusCodes.Status404NotFound);

    // KuduLite without dotnet-monitor writes the bare text with a 400.
    private static IResult LinuxNotSupportedText() =>
        Results.Text(NotSupportedOnLinux, "text/plain", Encoding.UTF8, StatusCodes.Status400BadRequest);

    // dotnet-monitor answers bad requests with problem details. UNVERIFIED: shape from dotnet-monitor's docs.
    private static IResult DotnetMonitorProblem(string detail) => Results.Json(
        new { type = "https://tools.ietf.org/html/rfc7231#section-6.5.1", title = "One or more validation errors occurred.", status = 400, detail },
        contentType: "application/problem+json",
        statusCode: StatusCodes.Status400BadRequest);

    private static IResult Json(object body) => Results.Json(body, ArmJson.Options);

    private static IResult Json(IEnumerable<object> items) => Results.Json(items.ToArray(), ArmJson.Options);
}
