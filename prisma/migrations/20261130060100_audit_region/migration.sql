-- CreateIndex
CREATE INDEX "AuditLog_regionId_id_idx" ON "AuditLog"("regionId", "id");

-- AddForeignKey
ALTER TABLE "AuditLog" ADD CONSTRAINT "AuditLog_regionId_fkey" FOREIGN KEY ("regionId") REFERENCES "Region"("id") ON DELETE SET NULL ON UPDATE CASCADE;
