<#
.SYNOPSIS
    Collect what loganalyzer reads to explain a failed Azure VM backup, from a Windows VM, into
    one zip archive.

.DESCRIPTION
    Gathers the guest agent's logs and configuration, the backup extension's logs, settings
    (protected settings removed) and status, the event channels that explain backup failures
    (System, Application, AppLocker, Code Integrity, Defender, Windows Azure) as .evtx, and the
    outputs of a few read-only commands: service states (sc, Get-Service), VSS writers and
    providers (vssadmin), addresses and routes (ipconfig, route print), firewall profiles
    (netsh advfirewall), reachability of the wire server 168.63.129.16 on ports 80 and 32526
    (Test-NetConnection), registry settings of the agent and VSS (reg query) and the effective
    AppLocker policy. docs/collect.md says why, per error code.

    Each file is cut to its last MaxFileMB megabytes, event channels to the last 14 days.
    Secrets are left out at the source: no certificates or private keys (*.crt *.pfx *.prv
    *.pem *.p7m *.key, Certificates*), no unattend or ovf files, and in every text copy protected
    settings, the backup extension's task token, SAS signatures, account keys and passwords are
    replaced by "*** REDACTED ***".

    The last line written is the archive's path. Needs Windows PowerShell 5.1 or PowerShell 7;
    run it as Administrator (vssadmin and event export need it).

.PARAMETER Root
    The Windows drive to read (default: the system drive, C:\). Point it at a VM's OS disk
    attached to a rescue VM (e.g. F:\): event channels are then copied from its
    Windows\System32\winevt\Logs and no command is run (they would describe the rescue VM).

.PARAMETER Output
    Where the archive is written (default: the current folder).

.PARAMETER DryRun
    List what would be copied, exported and run, one item a line ("copy PATH", "export
    CHANNEL", "run NAME: COMMAND"), then the archive path that would be written; touch nothing.

.EXAMPLE
    powershell -ExecutionPolicy Bypass -File .\collect-windows.ps1 -Output C:\Temp
#>
[CmdletBinding()]
param(
    [string]$Root = "$env:SystemDrive\",
    [string]$Output = (Get-Location).Path,
    [switch]$DryRun,
    [int]$MaxFileMB = 20,
    [int]$MaxTotalMB = 300,
    [int]$EventDays = 14
)

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Continue'

$ScriptVersion = 1
$WireServer = '168.63.129.16'
$SecretNames = @('*.crt', '*.pfx', '*.prv', '*.pem', '*.p7m', '*.p12', '*.key', 'Certificates*', 'TransportCert*', 'ovf-env.xml', 'unattend*.xml', 'Unattend*.xml')

if (-not (Test-Path -LiteralPath $Root -PathType Container)) {
    Write-Error "no such folder: $Root"
    exit 2
}
# full paths: .NET calls below do not follow PowerShell's current location
$Root = (Resolve-Path -LiteralPath $Root).ProviderPath.TrimEnd('\') + '\'
$Output = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($Output)
$IsLiveSystem = ($Root.TrimEnd('\') -ieq $env:SystemDrive)
$HostName = ($env:COMPUTERNAME -replace '[^A-Za-z0-9_-]', '_')
if (-not $HostName) { $HostName = 'vm' }
$Stamp = (Get-Date).ToUniversalTime().ToString('yyyyMMddTHHmmssZ')
$Name = "azbackup-logs-$HostName-$Stamp"
$Archive = Join-Path $Output "$Name.zip"
$Stage = Join-Path ([System.IO.Path]::GetTempPath()) $Name
$script:TotalBytes = 0

function Test-Secret([string]$Path) {
    $leaf = Split-Path -Leaf $Path
    foreach ($pattern in $SecretNames) { if ($leaf -like $pattern) { return $true } }
    return $false
}

# Mask protected settings, the backup extension's task token, SAS signatures, account keys and
# passwords in a text copy.
function Get-RedactedText([string]$Text) {
    $keys = 'protectedSettings|protected_settings|snapshotTaskToken|objectStr|password|adminPassword|AccountKey|blobSASUri|sasUri|sasToken|secret|client_secret|access_token|refresh_token'
    $Text = $Text -replace "(`"(?:$keys)`"\s*:\s*)`"[^`"]*`"", '$1"*** REDACTED ***"'
    $Text = $Text -replace '(&quot;protectedSettings&quot;\s*:\s*&quot;)[^&]*(&quot;)', '$1*** REDACTED ***$2'
    $Text = $Text -replace '(snapshotTaskToken\s*[:=]\s*)[^"\s,}]+', '$1*** REDACTED ***'
    $Text = $Text -replace '([?&;\s"''(]sig=)[^&\s"''<>;)]+', '$1*** REDACTED ***'
    $Text = $Text -replace '(AccountKey=|SharedAccessKey=|SharedAccessSignature=|Password=|Pwd=)[^;\s"''<>]+', '$1*** REDACTED ***'
    $Text = $Text -replace '(<(AdminPassword|UserPassword|Password|CustomData)>)[^<]*(</)', '$1*** REDACTED ***$3'
    return $Text
}

# Copy one file (its last MaxFileMB megabytes) into the stage, keeping its path from the root.
function Copy-BundleFile([System.IO.FileInfo]$File) {
    $relative = $File.FullName.Substring($Root.Length)
    if (Test-Secret $File.Name) { Write-Verbose "left out (secret): $relative"; return }
    if ($DryRun) { Write-Output "copy $relative"; return }
    if ($script:TotalBytes -ge $MaxTotalMB * 1MB) { Write-Warning "left out (collection full): $relative"; return }
    $dest = Join-Path $Stage $relative
    New-Item -ItemType Directory -Force -Path (Split-Path -Parent $dest) | Out-Null
    $limit = $MaxFileMB * 1MB
    try {
        $stream = [System.IO.File]::Open($File.FullName, 'Open', 'Read', 'ReadWrite')
        try {
            if ($stream.Length -gt $limit) { $stream.Seek(-$limit, 'End') | Out-Null }
            $buffer = New-Object byte[] ([Math]::Min($stream.Length, $limit))
            $read = $stream.Read($buffer, 0, $buffer.Length)
        } finally { $stream.Dispose() }
        # every copy is text (logs, JSON, XML, settings): masked in the encoding it was written in
        $encoding = New-Object System.Text.UTF8Encoding($false)
        if ($read -ge 2 -and $buffer[0] -eq 0xFF -and $buffer[1] -eq 0xFE) { $encoding = [System.Text.Encoding]::Unicode }
        $text = $encoding.GetString($buffer, 0, $read)
        [System.IO.File]::WriteAllText($dest, (Get-RedactedText $text), $encoding)
        $script:TotalBytes += $read
    } catch {
        Write-Warning "cannot copy ${relative}: $($_.Exception.Message)"
    }
}

# Copy the files under Root\Folder that match Filter; the Newest most recently written if given.
function Copy-Files([string]$Folder, [string]$Filter = '*', [int]$Newest = 0, [switch]$Recurse) {
    $path = Join-Path $Root $Folder
    if (-not (Test-Path -LiteralPath $path)) { return }
    $files = @(Get-ChildItem -LiteralPath $path -Filter $Filter -File -Recurse:$Recurse -ErrorAction SilentlyContinue |
        Sort-Object LastWriteTimeUtc -Descending)
    if ($Newest -gt 0) { $files = @($files | Select-Object -First $Newest) }
    foreach ($file in $files) { Copy-BundleFile $file }
}

# Export one event channel (the last EventDays days) as .evtx under EventLogs\.
function Export-Channel([string]$Channel) {
    $fileName = ($Channel -replace '/', '%4') + '.evtx'
    if ($DryRun) { Write-Output "export $Channel"; return }
    $folder = Join-Path $Stage 'Windows\System32\winevt\Logs'
    New-Item -ItemType Directory -Force -Path $folder | Out-Null
    if ($IsLiveSystem) {
        $milliseconds = [int64]$EventDays * 86400000
        $query = "*[System[TimeCreated[timediff(@SystemTime) <= $milliseconds]]]"
        & wevtutil.exe epl "$Channel" (Join-Path $folder $fileName) "/q:$query" 2>$null | Out-Null
    } else {
        $source = Join-Path $Root "Windows\System32\winevt\Logs\$fileName"
        if (Test-Path -LiteralPath $source) { Copy-Item -LiteralPath $source -Destination $folder }
    }
}

# Run a read-only command and save what it prints under commands\Name.txt (UTF-8).
function Invoke-Saved([string]$Name, [scriptblock]$Command) {
    if ($DryRun) { Write-Output "run ${Name}: $($Command.ToString().Trim())"; return }
    $folder = Join-Path $Stage 'commands'
    New-Item -ItemType Directory -Force -Path $folder | Out-Null
    try {
        $text = (& $Command 2>&1 | Out-String -Width 4096)
    } catch {
        $text = "failed: $($_.Exception.Message)"
    }
    if ($text.Trim()) {
        [System.IO.File]::WriteAllText((Join-Path $folder "$Name.txt"), $text, (New-Object System.Text.UTF8Encoding($false)))
    }
}

if (-not $DryRun) {
    New-Item -ItemType Directory -Force -Path $Stage | Out-Null
    New-Item -ItemType Directory -Force -Path $Output | Out-Null
}

# --- the guest agent --------------------------------------------------------------------------
foreach ($log in @('WaAppAgent*.log', 'TransparentInstaller*.log', 'Telemetry*.log', 'AppAgentRuntime*.log', 'MonitoringAgent*.log')) {
    Copy-Files 'WindowsAzure\Logs' -Filter $log -Newest 3
}
Copy-Files 'WindowsAzure\Logs\AggregateStatus' -Filter 'aggregatestatus*.json' -Newest 5
Copy-Files 'WindowsAzure\config' -Filter '*.xml' -Newest 6

# --- the extensions: logs, settings (redacted), status -----------------------------------------
Copy-Files 'WindowsAzure\Logs\Plugins' -Filter '*.log' -Recurse
$plugins = Join-Path $Root 'Packages\Plugins'
if (Test-Path -LiteralPath $plugins) {
    foreach ($version in @(Get-ChildItem -LiteralPath $plugins -Directory -ErrorAction SilentlyContinue |
            ForEach-Object { Get-ChildItem -LiteralPath $_.FullName -Directory -ErrorAction SilentlyContinue })) {
        $base = $version.FullName.Substring($Root.Length)
        Copy-Files $base -Filter 'HandlerManifest.json'
        Copy-Files $base -Filter 'SeqNumber.txt'
        Copy-Files "$base\RuntimeSettings" -Filter '*.settings' -Newest 5
        Copy-Files "$base\Status" -Filter '*.status' -Newest 5
    }
}

# --- event channels ---------------------------------------------------------------------------
foreach ($channel in @(
        'System',
        'Application',
        'Windows Azure',
        'Microsoft-Windows-AppLocker/EXE and DLL',
        'Microsoft-Windows-CodeIntegrity/Operational',
        'Microsoft-Windows-Windows Defender/Operational',
        'Microsoft-WindowsAzure-Diagnostics/GuestAgent',
        'Microsoft-WindowsAzure-Status/Plugins')) {
    Export-Channel $channel
}

# --- command outputs (read-only; only on the running system) -----------------------------------
if ($IsLiveSystem) {
    foreach ($service in @('WindowsAzureGuestAgent', 'RdAgent', 'VSS', 'swprv', 'COMSysApp', 'MSDTC')) {
        Invoke-Saved "sc_query_$service" ([scriptblock]::Create("sc.exe query $service"))
        Invoke-Saved "sc_qc_$service" ([scriptblock]::Create("sc.exe qc $service"))
    }
    Invoke-Saved 'get-service' { Get-Service | Format-Table -AutoSize Status, StartType, Name, DisplayName }
    Invoke-Saved 'vssadmin_list_writers' { vssadmin.exe list writers }
    Invoke-Saved 'vssadmin_list_providers' { vssadmin.exe list providers }
    Invoke-Saved 'vssadmin_list_shadows' { vssadmin.exe list shadows }
    Invoke-Saved 'ipconfig_all' { ipconfig.exe /all }
    Invoke-Saved 'route_print' { route.exe print }
    Invoke-Saved 'netsh_advfirewall_show_allprofiles' { netsh.exe advfirewall show allprofiles }
    Invoke-Saved 'test-netconnection_wireserver_80' { Test-NetConnection -ComputerName $WireServer -Port 80 -WarningAction SilentlyContinue | Format-List * }
    Invoke-Saved 'test-netconnection_hostplugin_32526' { Test-NetConnection -ComputerName $WireServer -Port 32526 -WarningAction SilentlyContinue | Format-List * }
    Invoke-Saved 'reg_query_guestagent' { reg.exe query 'HKLM\SYSTEM\CurrentControlSet\Services\WindowsAzureGuestAgent' }
    Invoke-Saved 'reg_query_vss' { reg.exe query 'HKLM\SYSTEM\CurrentControlSet\Services\VSS' /s }
    Invoke-Saved 'reg_query_bcdragent' { reg.exe query 'HKLM\SOFTWARE\Microsoft\BcdrAgent' /s; reg.exe query 'HKLM\SOFTWARE\Microsoft\BcdrAgentPersistentKeys' /s }
    Invoke-Saved 'applocker_policy' { Get-AppLockerPolicy -Effective -Xml }
}

$info = @(
    "collector: loganalyzer collect-script windows $ScriptVersion",
    "collected_at: $((Get-Date).ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ'))",
    "host: $HostName",
    "root: $Root",
    "commands: $(if ($IsLiveSystem) { 'yes' } else { 'no' })"
) -join "`n"

if ($DryRun) {
    Write-Output "write commands\collect_info.txt"
    Write-Output $Archive
    exit 0
}

New-Item -ItemType Directory -Force -Path (Join-Path $Stage 'commands') | Out-Null
[System.IO.File]::WriteAllText((Join-Path $Stage 'commands\collect_info.txt'), "$info`n", (New-Object System.Text.UTF8Encoding($false)))
Add-Type -AssemblyName System.IO.Compression.FileSystem
if (Test-Path -LiteralPath $Archive) { Remove-Item -LiteralPath $Archive -Force }
[System.IO.Compression.ZipFile]::CreateFromDirectory($Stage, $Archive)
Remove-Item -LiteralPath $Stage -Recurse -Force
Write-Output $Archive
