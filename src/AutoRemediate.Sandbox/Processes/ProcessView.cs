using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using AutoRemediate.Sandbox.Scenarios;
using AutoRemediate.Sandbox.State;

namespace AutoRemediate.Sandbox.Processes;

/// <summary>
/// A snapshot of one process, taken under the plan's gate, rendered three ways: as the ARM
/// ProcessInfo resource (sites/instances/processes), as Kudu's own ProcessInfo JSON (Windows SCM
/// site), and as dotnet-monitor's process JSON (what KuduLite proxies on Linux).
/// </summary>
internal sealed record ProcessView(
    string AppName,
    bool IsLinux,
    string InstanceId,
    int Pid,
    ProcessRole Role,
    int Generation,
    string Name,
    DateTimeOffset StartedAt,
    DateTimeOffset Now,
    double WorkingSet,
    double CpuPercent,
    int Cores,
    int ThreadCount,
    int HandleCount,
    string SkuName,
    string Location)
{
    public bool IsScmSite => Role == ProcessRole.Helper && !IsLinux;

    public long WorkingSetBytes => (long)WorkingSet;

    public long PrivateBytes => (long)(WorkingSet * 1.15);

    public string MachineName => SimulatedInstance.MachineNameOf(InstanceId, IsLinux);

    public string FileName => (IsLinux, Role) switch
    {
        (false, _) => @"C:\Windows\System32\inetsrv\w3wp.exe",
        (true, ProcessRole.Worker) => "/usr/share/dotnet/dotnet",
        _ => "/usr/sbin/sshd",
    };

    public string CommandLine => (IsLinux, Role) switch
    {
        (false, ProcessRole.Worker) => $"\"{FileName}\" -ap \"{AppName}\" -v \"v4.0\" -h \"C:\\DWASFiles\\Sites\\{AppName}\\Config\\applicationhost.config\"",
        (false, _) => $"\"{FileName}\" -ap \"~1{AppName}\" -v \"v4.0\" -h \"C:\\DWASFiles\\Sites\\~1{AppName}\\Config\\applicationhost.config\"",
        (true, ProcessRole.Worker) => $"dotnet /home/site/wwwroot/{AppName}.dll",
        _ => "/usr/sbin/sshd -D",
    };

    public string UserName => IsLinux ? "root" : Role == ProcessRole.Worker ? $"IIS APPPOOL\\{AppName}" : $"IIS APPPOOL\\~1{AppName}";

    public string Description => (IsLinux, Role) switch
    {
        (false, _) => "IIS Worker Process",
        (true, ProcessRole.Worker) => ".NET Host",
        _ => "OpenSSH daemon",
    };

    public TimeSpan TotalCpuTime => TimeSpan.FromSeconds(Math.Max(0, (Now - StartedAt).TotalSeconds) * CpuPercent / 100 * Cores);

    /// <summary>A stable id for the process (dotnet-monitor's uid).</summary>
    public Guid Uid => new(SHA256.HashData(Encoding.UTF8.GetBytes($"{InstanceId}/{Pid}/{Generation}"))[..16]);

    public static ProcessView Create(SimulatedApp app, SimulatedInstance instance, SimulatedProcess process, DateTimeOffset now)
    {
        var sample = ScenarioModel.Sample(app, instance, now);
        var worker = process.Role == ProcessRole.Worker;
        return new ProcessView(
            app.Name,
            app.IsLinux,
            instance.Id,
            process.Pid,
            process.Role,
            process.Generation,
            worker ? app.WorkerName : app.HelperName,
            worker ? sample.WorkerStartedAt : process.StartedAt,
            now,
            worker ? sample.WorkingSetBytes : (app.IsLinux ? 12 : 120) * ScenarioModel.MiB,
            worker ? sample.CpuPercent : 1,
            app.Plan.Sku.Cores,
            worker ? sample.ThreadCount : 12,
            worker ? sample.HandleCount : 300,
            app.Plan.Sku.Name,
            app.Location);
    }

    /// <summary>The ARM resource: <c>{ id, name, type, properties }</c> with the spec's snake_case ProcessInfo properties.</summary>
    public object ToArm(string siteResourceId, string scmBase)
    {
        var properties = new Dictionary<string, object?>
        {
            ["identifier"] = Pid,
            ["deployment_name"] = AppName,
            ["is_profile_running"] = false,
            ["is_iis_profile_running"] = false,
        };
        foreach (var (key, value) in DetailFields(scmBase))
        {
            properties[key] = value;
        }

        // Kudu's ProcessInfo carries machineName and ARM passes Kudu's JSON through (it is not in the ARM
        // swagger, and not among the fields ARM filters); it is how a caller maps metric Instance names to instances.
        properties["machineName"] = MachineName;
        properties["is_scm_site"] = IsScmSite;
        properties["is_webjob"] = false;
        properties["description"] = Description;
        return new Dictionary<string, object?>
        {
            ["id"] = $"{siteResourceId}/instances/{InstanceId}/processes/{Pid}",
            ["name"] = Pid.ToString(CultureInfo.InvariantCulture),
            ["type"] = "Microsoft.Web/sites/instances/processes",
            ["properties"] = properties,
        };
    }

    /// <summary>
    /// Kudu's list entry (<c>GET /api/processes</c>): Kudu builds it without details, and its
    /// ProcessInfo serializes with DefaultValueHandling.Ignore except id, name and machineName.
    /// </summary>
    public object ToKuduSummary(string scmBase) => new Dictionary<string, object?>
    {
        ["id"] = Pid,
        ["name"] = Name,
        ["machineName"] = MachineName,
        ["href"] = Href(scmBase),
        ["user_name"] = UserName,
    };

    /// <summary>Kudu's details (<c>GET /api/processes/{id}</c>); false and zero values are left out as Kudu's serializer does.</summary>
    public object ToKuduDetails(string scmBase)
    {
        var json = new Dictionary<string, object?>
        {
            ["id"] = Pid,
            ["name"] = Name,
            ["machineName"] = MachineName,
        };
        foreach (var (key, value) in DetailFields(scmBase))
        {
            json[key] = value;
        }

        if (IsScmSite)
        {
            json["is_scm_site"] = true;
        }

        json["description"] = Description;
        return json;
    }

    // The ProcessInfo detail fields ARM (inside properties) and Kudu (top level) both send.
    private Dictionary<string, object?> DetailFields(string scmBase) => new()
    {
        ["href"] = Href(scmBase),
        ["minidump"] = Href(scmBase) + "/dump",
        ["children"] = Array.Empty<string>(),
        ["file_name"] = FileName,
        ["command_line"] = CommandLine,
        ["user_name"] = UserName,
        ["handle_count"] = HandleCount,
        ["module_count"] = IsLinux ? 60 : 180,
        ["thread_count"] = ThreadCount,
        ["start_time"] = Iso(StartedAt),
        ["total_cpu_time"] = Duration(TotalCpuTime),
        ["user_cpu_time"] = Duration(TotalCpuTime * 0.85),
        ["privileged_cpu_time"] = Duration(TotalCpuTime * 0.15),
        ["working_set"] = WorkingSetBytes,
        ["peak_working_set"] = (long)(WorkingSet * 1.05),
        ["private_memory"] = PrivateBytes,
        ["virtual_memory"] = PrivateBytes + (2L << 30),
        ["peak_virtual_memory"] = PrivateBytes + (2L << 30) + (64L << 20),
        ["paged_system_memory"] = 409_600L,
        ["non_paged_system_memory"] = 81_920L,
        ["paged_memory"] = PrivateBytes,
        ["peak_paged_memory"] = (long)(PrivateBytes * 1.05),
        ["time_stamp"] = Iso(Now),
        ["environment_variables"] = EnvironmentVariables(),
    };

    /// <summary>dotnet-monitor's <c>GET /processes</c> entry (ProcessIdentifier). UNVERIFIED: shape from dotnet-monitor's API docs.</summary>
    public object ToDotnetMonitorSummary() => new Dictionary<string, object?>
    {
        ["pid"] = Pid,
        ["uid"] = Uid,
        ["name"] = Name,
        ["isDefault"] = true,
    };

    /// <summary>dotnet-monitor's <c>GET /processes/{pid}</c> (ProcessInfo). UNVERIFIED: shape from dotnet-monitor's API docs.</summary>
    public object ToDotnetMonitorDetails() => new Dictionary<string, object?>
    {
        ["pid"] = Pid,
        ["uid"] = Uid,
        ["name"] = Name,
        ["commandLine"] = CommandLine,
        ["operatingSystem"] = "Linux",
        ["processArchitecture"] = "X64",
    };

    public string Href(string scmBase) => $"{scmBase}/api/processes/{Pid}";

    private Dictionary<string, string> EnvironmentVariables() => IsLinux
        ? new Dictionary<string, string>
        {
            ["WEBSITE_SITE_NAME"] = AppName,
            ["WEBSITE_INSTANCE_ID"] = InstanceId,
            ["WEBSITE_SKU"] = SkuName,
            ["WEBSITE_STACK"] = "DOTNETCORE",
            ["HOSTNAME"] = MachineName,
        }
        : new Dictionary<string, string>
        {
            ["WEBSITE_SITE_NAME"] = AppName,
            ["WEBSITE_INSTANCE_ID"] = InstanceId,
            ["WEBSITE_SKU"] = SkuName,
            ["REGION_NAME"] = Location,
            ["COMPUTERNAME"] = MachineName,
        };

    internal static string Iso(DateTimeOffset value) => value.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    // Kudu is .NET: TimeSpan serializes as its invariant "c" form, e.g. "00:01:02.5000000".
    private static string Duration(TimeSpan value) => value.ToString("c", CultureInfo.InvariantCulture);
}
