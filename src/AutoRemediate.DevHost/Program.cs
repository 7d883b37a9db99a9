using AutoRemediate.DevHost;

// `dotnet run --project src/AutoRemediate.DevHost` serves the pipeline until Ctrl+C; `-- demo` plays one
// scenario and exits; `-- --help` lists the options and how to give any setting. DevHostCommand parses
// the command line, DevHostConsole runs what it asks for.
return await new DevHostCommand(DevHostConsole.RunAsync).InvokeAsync(args);
