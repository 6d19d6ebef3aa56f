-- DropIndex
DROP INDEX "EmploymentEvent_reportedAt_idx";

-- DropIndex
DROP INDEX "EmploymentEvent_employerId_idx";

-- CreateIndex
CREATE INDEX "EmploymentEvent_employerId_idx" ON "EmploymentEvent"("employerId") WHERE ("employerId" IS NOT NULL);
