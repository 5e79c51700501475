from rostertui.cli import main

main()
