import Glibc
import LuaKit
import PPMMachine

/// What a config reload needs of a Lua state: the files it was read from,
/// and retiring the state a new one replaces.
extension ScriptHost {
    /// Ends this state's part in the daemon after a reload replaced it
    /// (or a dry run read it): everything it holds is let go at once —
    /// timers cancelled, UDP sockets closed, global and service hooks
    /// dropped, and callbacks of its `ppm.spawn` helpers ignored when they
    /// come. A reload that fails never calls it: the old state stays.
    public func retire() {
        isRetired = true
        for timer in timers.values { timer.cancel() }
        timers = [:]
        closeSockets()
        abandonTasks()  // hooks and probes waiting in ppm.sleep / ppm.probe.*
        unarmed = []
        afterAttach = []
        globalHooks = []
        scripts = [:]
        loop = nil
        daemon = DaemonHooks()
    }

    /// The files the config was read from: the config itself and the
    /// modules it `require`d from its own folder (what a reload re-reads).
    public func configFiles() -> [String] {
        guard let config = context.configPath else { return [] }
        let folder = Self.folder(of: config)
        let listing = "local names = {} for k in pairs(package.loaded) do names[#names + 1] = k end return names"
        guard case .table(let t)? = try? lua.run(listing, chunkName: "=files").first else { return [config] }
        var files = [config]
        for case .string(let module) in t.sequence {
            let base = folder + "/" + module.replacingAll(".", with: "/")
            for candidate in [base + ".lua", base + "/init.lua"] where access(candidate, F_OK) == 0 {
                files.append(candidate)
            }
        }
        return files
    }

    /// Names of the services whose Lua functions this state holds.
    public var scriptedServices: [String] { scripts.filter { $0.value.hasFunctions }.map(\.key) }
}
